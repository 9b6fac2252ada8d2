// One owner of the keyboard at a time. ink's useInput subscribes each component in an effect,
// after the frame is drawn, so a key typed right after a screen change can reach a handler from
// the previous frame, or none. Here the app subscribes once; every render names the current
// owner, and each key goes to that owner's latest handler. The app renders a <KeyOwner> first,
// which names the list or nobody; an active screen rendered after it claims the keyboard.
//
// ink hands over a run of ordinary characters read at once as one string: a fast typist, tmux
// send-keys, a slow machine, or a paste from a terminal without bracketed paste. Every key of such
// a run acts as if it had come alone: it is handed out one key at a time, each once React has
// committed what the previous one changed, to whoever owns the keyboard then ("ap256.pub⏎": `a`
// opens the add dialog, whose field gets "p256.pub", then Enter submits it). A text field takes
// the printable characters up to the next control character at once (the same as typing them
// one by one). Only a bracketed paste (run.tsx asks the terminal for it) is text as a whole: line
// breaks and all go to the text field that owns the keyboard, and nowhere else.
import { useInput, type Key } from 'ink';
import { createContext, useCallback, useContext, useLayoutEffect, useRef, useState, type ReactNode } from 'react';

export type KeyHandler = (input: string, key: Key) => void;

interface Owner {
  handler: KeyHandler;
  /** Takes typed text whole (text fields). */
  text: boolean;
}

const OwnerContext = createContext<{ current: Owner | undefined } | undefined>(undefined);

const NO_KEY: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false,
  home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false,
  backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false,
};

/** The key ink would report for one character read on its own. */
export function keyOf(ch: string): [string, Key] {
  if (ch === '\r' || ch === '\n') return ['', { ...NO_KEY, return: true }];
  if (ch === '\t') return ['', { ...NO_KEY, tab: true }];
  if (ch === '\x7f') return ['', { ...NO_KEY, delete: true }];
  if (ch === '\b') return ['', { ...NO_KEY, backspace: true }];
  const code = ch.charCodeAt(0);
  if (code >= 1 && code <= 26) return [String.fromCharCode(code + 96), { ...NO_KEY, ctrl: true }];
  return [ch, { ...NO_KEY, shift: /^[A-Z]$/.test(ch) }];
}

/**
 * The bracketed-paste markers (ESC [200~ and ESC [201~) as ink's useInput reports them: ink drops
 * the ESC and names no key. A person cannot type these five characters in one read.
 */
const PASTE_START = '[200~';
const PASTE_END = '[201~';

/** What is waiting to be handed out: keys read at once, or a piece of a bracketed paste. */
type Pending = { kind: 'keys'; input: string; key: Key; split: boolean } | { kind: 'paste'; text: string };

/** A named key (arrow, Escape...) or a Ctrl/Alt combination: ink reports it as one key already. */
const isNamedKey = (input: string, key: Key): boolean =>
  key.ctrl || key.meta || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown ||
  key.home || key.end || key.return || key.escape || key.tab || key.backspace || key.delete || input === '';

export function KeyboardProvider({ children }: { children: ReactNode }) {
  const owner = useRef<Owner | undefined>(undefined);
  const queue = useRef<Pending[]>([]);
  const pasting = useRef(false);
  const [turn, setTurn] = useState(0);

  /** Hand one key (or one piece of a paste) of the head of the queue to the current owner. */
  const step = useCallback((): void => {
    const head = queue.current[0];
    if (!head) return;
    const o = owner.current;
    let rest: Pending | undefined;
    if (head.kind === 'paste') {
      // Pasted text is text: for a text field, whole; any other screen ignores it.
      if (o?.text) o.handler(head.text, NO_KEY);
    } else if (!head.split && (isNamedKey(head.input, head.key) || [...head.input].length === 1)) {
      o?.handler(head.input, head.key);
    } else {
      const text = o?.text ? /^[^\x00-\x1f\x7f]+/.exec(head.input)?.[0] : undefined;
      const taken = text ?? [...head.input][0]!;
      if (text) o!.handler(text, NO_KEY);
      else o?.handler(...keyOf(taken));
      const left = head.input.slice(taken.length);
      if (left) rest = { kind: 'keys', input: left, key: NO_KEY, split: true };
    }
    if (rest) queue.current[0] = rest;
    else queue.current.shift();
    // Re-render this provider in the same batch as whatever the key changed: its layout effect
    // runs once all of that is committed and the next owner has claimed the keyboard.
    if (queue.current.length) setTurn((t) => t + 1);
  }, []);

  useLayoutEffect(() => step(), [turn, step]);

  const onInput = useCallback<KeyHandler>((input, key) => {
    if (!isNamedKey(input, key) && (input === PASTE_START || input === PASTE_END)) {
      pasting.current = input === PASTE_START;
      return;
    }
    // Inside a paste, named keys (a pasted Escape sequence, say) are not text.
    if (pasting.current) {
      if (!isNamedKey(input, key)) queue.current.push({ kind: 'paste', text: input });
      else if (key.return || key.tab) queue.current.push({ kind: 'paste', text: key.return ? '\n' : '\t' });
    } else queue.current.push({ kind: 'keys', input, key, split: false });
    // Keys read while earlier ones are still being handed out come after them.
    if (queue.current.length === 1) step();
  }, [step]);
  useInput(onInput);
  return <OwnerContext.Provider value={owner}>{children}</OwnerContext.Provider>;
}

function useOwnerSlot() {
  const owner = useContext(OwnerContext);
  if (!owner) throw new Error('keyboard hooks used outside KeyboardProvider');
  return owner;
}

/** Take the keyboard while `isActive` (the last active component rendered wins). */
export function useKeys(handler: KeyHandler, isActive = true, options: { text?: boolean } = {}): void {
  const owner = useOwnerSlot();
  if (isActive) owner.current = { handler, text: options.text ?? false };
}

/**
 * Rendered first by the app on every render: names `handler` as the owner when active, else
 * nobody, so a screen that is gone never keeps the keyboard.
 */
export function KeyOwner({ handler, isActive }: { handler: KeyHandler; isActive: boolean }) {
  const owner = useOwnerSlot();
  owner.current = isActive ? { handler, text: false } : undefined;
  return null;
}
