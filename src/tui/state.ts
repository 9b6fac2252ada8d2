// The ACL editor's whole state and every change to it, as a pure reducer: no rendering, no files,
// no crypto. The screens dispatch actions; the effects (reading, saving, generating a key) happen
// outside and report back with actions (`saved`, `conflict-detected`, `reload`, ...).
//
// Keys are identified by fingerprint (src/fingerprint.ts): two keys have the same fingerprint
// exactly when Guix holds them equal, so the fingerprint is the key's identity here.
import type { SexpList } from '../sexp/model.js';
import { plural } from './text.js';

/** Where a key in the editor came from, for the detail view. */
export type Origin =
  | { kind: 'acl' }
  | { kind: 'file'; path: string }
  | { kind: 'pasted' }
  | { kind: 'generated'; path: string };

/** One key, with what the screens show about it worked out once (see entries.ts). */
export interface KeyEntry {
  fpr: string;
  key: SexpList;
  /** "ECDSA/Ed25519", "RSA-4096", ... or "unusable" when keytool cannot verify with it. */
  description: string;
  /** Why keytool cannot verify with this key, when it cannot. */
  problem?: string;
  /** Label shipped with Guix (ci.guix.gnu.org, bordeaux.guix.gnu.org). */
  wellKnown?: string;
  origin: Origin;
}

/** What gets saved: the ACL's keys in order and the user's labels (fingerprint → label). */
export interface Doc {
  keys: readonly KeyEntry[];
  labels: Readonly<Record<string, string>>;
}

/** What was read from disk (at start, on reload). */
export interface Snapshot {
  doc: Doc;
  /** SHA-256 of the ACL bytes read; '' when there was no file. The save refuses if it changed. */
  digest: string;
  /** Fingerprint of this machine's signing-key.pub, if there is one. */
  localFpr?: string;
  /** Both signing-key.pub and signing-key.sec exist. */
  hasKeyPair: boolean;
}

export type Screen =
  | { kind: 'list' }
  | { kind: 'filter' }
  | { kind: 'help' }
  | { kind: 'detail'; fpr: string }
  | { kind: 'add' }
  | { kind: 'confirm-remove'; fpr: string }
  | { kind: 'label'; fpr: string }
  | { kind: 'save-summary' }
  | { kind: 'saving' }
  | { kind: 'conflict'; message: string }
  | { kind: 'quit-confirm' }
  | { kind: 'generate' };

export interface Message {
  text: string;
  kind: 'info' | 'error';
}

export interface EditorState {
  /** The ACL and labels as on disk when last read or saved. */
  base: Doc;
  digest: string;
  /** The document being edited. */
  doc: Doc;
  /** Undo and redo stacks (most recent last). */
  past: readonly Doc[];
  future: readonly Doc[];
  filter: string;
  /** Fingerprint of the selected key; always a visible key, or undefined when none is visible. */
  selected?: string;
  screen: Screen;
  message?: Message;
  localFpr?: string;
  hasKeyPair: boolean;
  /** Set when the user confirmed leaving; the view calls useApp().exit(). */
  exit: boolean;
  /** How many saves succeeded this session (for the goodbye line). */
  saves: number;
  /** The save under way was asked for from the quit dialog: leave once it succeeds. */
  quitAfterSave: boolean;
}

export type Action =
  | { type: 'move'; delta: number }
  | { type: 'home' }
  | { type: 'end' }
  | { type: 'select'; fpr: string }
  | { type: 'filter-open' }
  | { type: 'filter-change'; text: string }
  | { type: 'filter-accept' }
  | { type: 'filter-clear' }
  | { type: 'open'; screen: 'detail' | 'add' | 'remove' | 'label' | 'help' | 'generate' }
  | { type: 'close' }
  | { type: 'add'; entry: KeyEntry }
  | { type: 'remove'; fpr: string }
  | { type: 'label'; fpr: string; label: string }
  | { type: 'undo' }
  | { type: 'redo' }
  | { type: 'save-requested' }
  | { type: 'save-confirmed' }
  | { type: 'saved'; digest: string; labelsError?: string }
  | { type: 'save-failed'; message: string }
  | { type: 'conflict-detected'; message: string }
  | { type: 'reload'; snapshot: Snapshot; keepChanges: boolean }
  | { type: 'quit-requested' }
  | { type: 'quit-confirmed' }
  | { type: 'key-generated'; entry: KeyEntry }
  | { type: 'message'; text: string; kind?: Message['kind'] };

export function initialState(snapshot: Snapshot, message?: Message): EditorState {
  return normalize({
    base: snapshot.doc,
    digest: snapshot.digest,
    doc: snapshot.doc,
    past: [],
    future: [],
    filter: '',
    selected: undefined,
    screen: { kind: 'list' },
    message,
    localFpr: snapshot.localFpr,
    hasKeyPair: snapshot.hasKeyPair,
    exit: false,
    saves: 0,
    quitAfterSave: false,
  });
}

// ---------------------------------------------------------------------------------------------
// Derived values (used by the screens and the tests)

/** The label shown for a key: the user's, else the well-known one, else ''. */
export function labelOf(doc: Doc, entry: KeyEntry): string {
  return doc.labels[entry.fpr] ?? entry.wellKnown ?? '';
}

/** What the screens call a key: its label, else what it is to this machine. */
export function displayName(doc: Doc, entry: KeyEntry, localFpr?: string): string {
  return labelOf(doc, entry) || (entry.fpr === localFpr ? '(this machine)' : '(no label)');
}

/** Case-insensitive match of the filter against label, algorithm and fingerprint. */
export function matches(doc: Doc, entry: KeyEntry, filter: string, localFpr?: string): boolean {
  const q = filter.trim().toLowerCase();
  if (!q) return true;
  const hay = [labelOf(doc, entry), entry.description, entry.fpr, entry.fpr === localFpr ? 'local this machine' : '']
    .join('\n')
    .toLowerCase();
  if (hay.includes(q)) return true;
  // Fingerprints are shown grouped ("8d15 6f29 ..."): accept a query copied with the spaces.
  const hex = q.replace(/[\s:]/g, '');
  return /^[0-9a-f]+$/.test(hex) && entry.fpr.includes(hex);
}

export function visibleKeys(state: EditorState): KeyEntry[] {
  return state.doc.keys.filter((e) => matches(state.doc, e, state.filter, state.localFpr));
}

/** Index of the selection among the visible keys (-1 when nothing is visible). */
export function cursorIndex(state: EditorState): number {
  const visible = visibleKeys(state);
  return visible.findIndex((e) => e.fpr === state.selected);
}

export function findKey(doc: Doc, fpr: string): KeyEntry | undefined {
  return doc.keys.find((e) => e.fpr === fpr);
}

export interface LabelChange {
  fpr: string;
  from?: string;
  to?: string;
}

export interface Changes {
  added: KeyEntry[];
  removed: KeyEntry[];
  labels: LabelChange[];
  /** Same keys, other order (only after a reload that reapplied changes). */
  reordered: boolean;
}

/** What saving `doc` over `base` changes. */
export function changesBetween(base: Doc, doc: Doc): Changes {
  const inBase = new Set(base.keys.map((e) => e.fpr));
  const inDoc = new Set(doc.keys.map((e) => e.fpr));
  const added = doc.keys.filter((e) => !inBase.has(e.fpr));
  const removed = base.keys.filter((e) => !inDoc.has(e.fpr));
  const labels: LabelChange[] = [];
  for (const fpr of new Set([...Object.keys(base.labels), ...Object.keys(doc.labels)])) {
    const from = base.labels[fpr];
    const to = doc.labels[fpr];
    if (from !== to) labels.push({ fpr, from, to });
  }
  const kept = (keys: readonly KeyEntry[], other: Set<string>) => keys.filter((e) => other.has(e.fpr)).map((e) => e.fpr).join();
  const reordered = kept(base.keys, inDoc) !== kept(doc.keys, inBase);
  return { added, removed, labels, reordered };
}

export function countChanges(c: Changes): number {
  return c.added.length + c.removed.length + c.labels.length + (c.reordered ? 1 : 0);
}

export function isDirty(state: EditorState): boolean {
  return countChanges(changesBetween(state.base, state.doc)) > 0;
}

// ---------------------------------------------------------------------------------------------
// The reducer

/** Keep the selection on a visible key (the first one when it is gone). */
function normalize(state: EditorState): EditorState {
  const visible = visibleKeys(state);
  if (visible.some((e) => e.fpr === state.selected)) return state;
  return { ...state, selected: visible[0]?.fpr };
}

/** Record an edit: the current doc goes on the undo stack, the redo stack is dropped. */
function edit(state: EditorState, doc: Doc, message: Message | undefined): EditorState {
  return { ...state, doc, past: [...state.past, state.doc], future: [], message, screen: { kind: 'list' } };
}

const info = (text: string): Message => ({ text, kind: 'info' });
const error = (text: string): Message => ({ text, kind: 'error' });

function name(doc: Doc, entry: KeyEntry | undefined, fpr: string): string {
  const label = entry ? labelOf(doc, entry) : doc.labels[fpr];
  return label ? `"${label}"` : `key ${fpr.slice(0, 16)}`;
}

/**
 * The new snapshot with the user's changes (relative to the old base) applied again: keys added
 * go in front (as `guix archive --authorize` does), keys removed are dropped, labels set again.
 */
export function reapply(oldBase: Doc, doc: Doc, fresh: Doc): Doc {
  const c = changesBetween(oldBase, doc);
  const removed = new Set(c.removed.map((e) => e.fpr));
  const freshFprs = new Set(fresh.keys.map((e) => e.fpr));
  const keys = [...c.added.filter((e) => !freshFprs.has(e.fpr)), ...fresh.keys.filter((e) => !removed.has(e.fpr))];
  const labels: Record<string, string> = { ...fresh.labels };
  for (const l of c.labels) {
    if (l.to === undefined) delete labels[l.fpr];
    else labels[l.fpr] = l.to;
  }
  return { keys, labels };
}

export function reducer(state: EditorState, action: Action): EditorState {
  return normalize(step(state, action));
}

function step(state: EditorState, action: Action): EditorState {
  switch (action.type) {
    case 'move': {
      const visible = visibleKeys(state);
      if (visible.length === 0) return state;
      const i = Math.max(0, cursorIndex(state));
      const j = Math.min(visible.length - 1, Math.max(0, i + action.delta));
      return { ...state, selected: visible[j]!.fpr };
    }
    case 'home':
      return { ...state, selected: visibleKeys(state)[0]?.fpr };
    case 'end':
      return { ...state, selected: visibleKeys(state).at(-1)?.fpr };
    case 'select':
      return findKey(state.doc, action.fpr) ? { ...state, selected: action.fpr } : state;

    case 'filter-open':
      return { ...state, screen: { kind: 'filter' }, message: undefined };
    case 'filter-change': {
      // Keep the selected key selected while it still matches, else the first match.
      return { ...state, filter: action.text };
    }
    case 'filter-accept':
      return { ...state, filter: state.filter.trim(), screen: { kind: 'list' } };
    case 'filter-clear':
      return { ...state, filter: '', screen: { kind: 'list' } };

    case 'open': {
      const fpr = state.selected;
      switch (action.screen) {
        case 'add':
          return { ...state, screen: { kind: 'add' }, message: undefined };
        case 'help':
          return { ...state, screen: { kind: 'help' } };
        case 'generate':
          if (state.hasKeyPair) return { ...state, message: error('this machine already has a signing key pair') };
          return { ...state, screen: { kind: 'generate' }, message: undefined };
        default:
          if (fpr === undefined) return { ...state, message: error('no key selected') };
          if (action.screen === 'detail') return { ...state, screen: { kind: 'detail', fpr } };
          if (action.screen === 'remove') return { ...state, screen: { kind: 'confirm-remove', fpr }, message: undefined };
          return { ...state, screen: { kind: 'label', fpr }, message: undefined };
      }
    }
    case 'close':
      return { ...state, screen: { kind: 'list' } };

    case 'add': {
      const { entry } = action;
      const existing = findKey(state.doc, entry.fpr);
      if (existing) {
        return { ...state, message: error(`already authorized: ${name(state.doc, existing, entry.fpr)}`), selected: entry.fpr };
      }
      // New keys go first, as `guix archive --authorize` puts them.
      const doc = { ...state.doc, keys: [entry, ...state.doc.keys] };
      const next = edit(state, doc, info(`added ${name(doc, entry, entry.fpr)} (not saved yet)`));
      // Show the new key even if the filter would hide it.
      const filter = matches(doc, entry, state.filter, state.localFpr) ? state.filter : '';
      return { ...next, filter, selected: entry.fpr };
    }
    case 'remove': {
      const entry = findKey(state.doc, action.fpr);
      if (!entry) return { ...state, screen: { kind: 'list' }, message: error('that key is no longer in the list') };
      const visible = visibleKeys(state);
      const i = visible.findIndex((e) => e.fpr === action.fpr);
      // Select the next key (or the previous one at the end), as list editors do.
      const neighbour = visible[i + 1] ?? visible[i - 1];
      const doc = { ...state.doc, keys: state.doc.keys.filter((e) => e.fpr !== action.fpr) };
      const local = action.fpr === state.localFpr ? " — this machine's own key" : '';
      return { ...edit(state, doc, info(`removed ${name(state.doc, entry, entry.fpr)}${local} (not saved yet; u undoes)`)), selected: neighbour?.fpr };
    }
    case 'label': {
      const label = action.label.trim();
      const current = state.doc.labels[action.fpr];
      if ((current ?? '') === label) return { ...state, screen: { kind: 'list' } };
      const labels = { ...state.doc.labels };
      if (label) labels[action.fpr] = label;
      else delete labels[action.fpr];
      const text = label ? `labelled ${action.fpr.slice(0, 16)} "${label}"` : `removed the label of ${action.fpr.slice(0, 16)}`;
      return { ...edit(state, { ...state.doc, labels }, info(`${text} (not saved yet)`)), selected: action.fpr };
    }
    case 'undo': {
      const prev = state.past.at(-1);
      if (!prev) return { ...state, message: info('nothing to undo') };
      return {
        ...state,
        doc: prev,
        past: state.past.slice(0, -1),
        future: [...state.future, state.doc],
        message: info(`undone (${plural(state.past.length - 1, 'more step')} to undo)`),
      };
    }
    case 'redo': {
      const next = state.future.at(-1);
      if (!next) return { ...state, message: info('nothing to redo') };
      return {
        ...state,
        doc: next,
        past: [...state.past, state.doc],
        future: state.future.slice(0, -1),
        message: info(`redone (${plural(state.future.length - 1, 'more step')} to redo)`),
      };
    }

    case 'save-requested':
      if (!isDirty(state)) return { ...state, screen: { kind: 'list' }, message: info('nothing to save: no changes') };
      return { ...state, screen: { kind: 'save-summary' }, message: undefined };
    case 'save-confirmed':
      if (state.screen.kind !== 'save-summary' && state.screen.kind !== 'quit-confirm') return state;
      return { ...state, screen: { kind: 'saving' }, message: undefined, quitAfterSave: state.screen.kind === 'quit-confirm' };
    case 'saved': {
      if (state.screen.kind !== 'saving') return state;
      const n = countChanges(changesBetween(state.base, state.doc));
      const saved = { ...state, digest: action.digest, screen: { kind: 'list' } as Screen, saves: state.saves + 1, quitAfterSave: false };
      if (action.labelsError !== undefined) {
        // The ACL is written; the labels are still to save.
        return { ...saved, base: { keys: state.doc.keys, labels: state.base.labels }, message: error(`ACL saved, but not the labels: ${action.labelsError}`) };
      }
      return { ...saved, base: state.doc, exit: state.quitAfterSave, message: info(`saved ${plural(n, 'change')}`) };
    }
    case 'save-failed':
      return { ...state, screen: { kind: 'list' }, quitAfterSave: false, message: error(`not saved: ${action.message}`) };
    case 'conflict-detected':
      return { ...state, screen: { kind: 'conflict', message: action.message }, quitAfterSave: false, message: undefined };
    case 'reload': {
      const { snapshot } = action;
      const fresh = snapshot.doc;
      const pending = countChanges(changesBetween(state.base, state.doc));
      const doc = action.keepChanges ? reapply(state.base, state.doc, fresh) : fresh;
      const still = countChanges(changesBetween(fresh, doc));
      let text = 'reloaded from disk';
      if (action.keepChanges && pending > 0) {
        text += still > 0 ? `; your changes are applied again (${plural(still, 'change')} to save)` : '; your changes were already on disk';
      } else if (pending > 0) {
        text += `; ${plural(pending, 'unsaved change')} discarded`;
      }
      return {
        ...state,
        base: fresh,
        doc,
        digest: snapshot.digest,
        localFpr: snapshot.localFpr,
        hasKeyPair: snapshot.hasKeyPair,
        past: [],
        future: [],
        screen: { kind: 'list' },
        message: info(text),
      };
    }

    case 'quit-requested':
      if (isDirty(state)) return { ...state, screen: { kind: 'quit-confirm' }, message: undefined };
      return { ...state, exit: true };
    case 'quit-confirmed':
      return { ...state, exit: true };

    case 'key-generated': {
      const { entry } = action;
      const base = { ...state, hasKeyPair: true, localFpr: entry.fpr, screen: { kind: 'list' } as Screen };
      const where = entry.origin.kind === 'generated' ? ` in ${entry.origin.path}` : '';
      if (findKey(state.doc, entry.fpr)) {
        return { ...base, selected: entry.fpr, message: info(`generated a key pair${where}`) };
      }
      // Guix authorizes the local key when it creates the ACL; offer the same, as an undoable edit.
      const doc = { ...state.doc, keys: [entry, ...state.doc.keys] };
      return {
        ...edit(base, doc, info(`generated a key pair${where}; its public key is added to the list (s saves, u undoes)`)),
        filter: '',
        selected: entry.fpr,
      };
    }
    case 'message':
      return { ...state, message: { text: action.text, kind: action.kind ?? 'info' } };
  }
}
