// One owner of the keyboard at a time. ink's useInput subscribes each component in an effect,
// after the frame is drawn, so a key typed right after a screen change can reach a handler from
// the previous frame, or none. Here the app subscribes once; every render names the current
// owner, and each key goes to that owner's latest handler. The app renders a <KeyOwner> first,
// which names the list or nobody; an active screen rendered after it claims the keyboard.
//
// ink hands over a run of ordinary characters read at once as one string (that is how a paste
// arrives). A text field takes it whole; any other owner gets the first character, and the rest
// goes, once React has committed what that key changed, to whoever owns the keyboard then
// ("ap256.pub⏎" typed fast: `a` opens the add dialog, whose field gets "p256.pub", then Enter).
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

export function KeyboardProvider({ children }: { children: ReactNode }) {
  const owner = useRef<Owner | undefined>(undefined);
  const queued = useRef('');
  const [turn, setTurn] = useState(0);

  const deliver = useCallback((input: string, key: Key, split: boolean): void => {
    const o = owner.current;
    if (!o) return;
    const chars = [...input];
    if (key.ctrl || key.meta || input.includes('\x1b') || chars.length <= 1) {
      if (split && chars.length === 1) o.handler(...keyOf(chars[0]!));
      else o.handler(input, key);
      return;
    }
    // A run read at once goes whole to a text field (a paste); what is left of a split run goes
    // to it up to the next control character (Enter typed fast after a name still submits it).
    const text = o.text ? (split ? /^[^\x00-\x1f\x7f]+/.exec(input)?.[0] : input) : undefined;
    if (text) o.handler(text, key);
    else o.handler(...keyOf(chars[0]!));
    queued.current = text ? input.slice(text.length) : chars.slice(1).join('');
    // Re-render this provider in the same batch as whatever the key changed: its layout effect
    // runs once all of that is committed and the next owner has claimed the keyboard.
    if (queued.current) setTurn((t) => t + 1);
  }, []);

  useLayoutEffect(() => {
    const rest = queued.current;
    queued.current = '';
    if (rest) deliver(rest, NO_KEY, true);
  }, [turn, deliver]);

  const onInput = useCallback<KeyHandler>((input, key) => {
    // Keys typed while a split run is still being handed out come after it.
    if (queued.current) queued.current += input;
    else deliver(input, key, false);
  }, [deliver]);
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
