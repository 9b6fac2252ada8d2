// The editor's reducer, without rendering: every action, undo/redo, save, conflict and reload,
// and properties over random edit sequences.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { list } from '../../src/sexp/model.js';
import {
  changesBetween, countChanges, cursorIndex, initialState, isDirty, reapply, reducer, visibleKeys,
  type Action, type Doc, type EditorState, type KeyEntry, type Snapshot,
} from '../../src/tui/state.js';

const hex = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
function entry(n: number, extra: Partial<KeyEntry> = {}): KeyEntry {
  return { fpr: hex(n), key: list('public-key', list('ecc', list('q', String(n)))), description: 'ECDSA/Ed25519', origin: { kind: 'acl' }, ...extra };
}
const A = entry(0xa1, { wellKnown: 'ci.guix.gnu.org' });
const B = entry(0xb2, { description: 'RSA-4096' });
const C = entry(0xc3);
const D = entry(0xd4, { origin: { kind: 'pasted' } });

function snap(keys: KeyEntry[], labels: Record<string, string> = {}, digest = 'd0'): Snapshot {
  return { doc: { keys, labels }, digest, localFpr: C.fpr, hasKeyPair: true };
}
const start = (keys = [A, B, C], labels: Record<string, string> = { [B.fpr]: 'old box' }) => initialState(snap(keys, labels));
const run = (s: EditorState, ...actions: Action[]) => actions.reduce(reducer, s);
const fprs = (d: Doc) => d.keys.map((e) => e.fpr);

describe('navigation', () => {
  it('selects the first key at start, moves within bounds, Home and End', () => {
    let s = start();
    expect(s.selected).toBe(A.fpr);
    expect(isDirty(s)).toBe(false);
    s = run(s, { type: 'move', delta: 1 });
    expect(s.selected).toBe(B.fpr);
    s = run(s, { type: 'move', delta: 10 });
    expect(s.selected).toBe(C.fpr);
    s = run(s, { type: 'move', delta: -10 });
    expect(s.selected).toBe(A.fpr);
    expect(run(s, { type: 'end' }).selected).toBe(C.fpr);
    expect(run(s, { type: 'end' }, { type: 'home' }).selected).toBe(A.fpr);
    expect(run(s, { type: 'select', fpr: B.fpr }).selected).toBe(B.fpr);
    expect(run(s, { type: 'select', fpr: D.fpr }).selected).toBe(A.fpr); // not in the list
  });

  it('an empty ACL has no selection, and actions on the selection say so', () => {
    const s = run(initialState(snap([])), { type: 'move', delta: 1 }, { type: 'open', screen: 'remove' });
    expect(s.selected).toBeUndefined();
    expect(s.screen.kind).toBe('list');
    expect(s.message).toEqual({ kind: 'error', text: 'no key selected' });
  });
});

describe('filter', () => {
  it('matches user labels, well-known labels, algorithms and fingerprints (with or without spaces)', () => {
    const s = start();
    const shown = (filter: string) => visibleKeys(run(s, { type: 'filter-open' }, { type: 'filter-change', text: filter })).map((e) => e.fpr);
    expect(shown('OLD')).toEqual([B.fpr]);
    expect(shown('ci.guix')).toEqual([A.fpr]);
    expect(shown('rsa')).toEqual([B.fpr]);
    expect(shown('c3c3 c3c3')).toEqual([C.fpr]);
    expect(shown('this machine')).toEqual([C.fpr]);
    expect(shown('')).toEqual([A.fpr, B.fpr, C.fpr]);
    expect(shown('nothing like it')).toEqual([]);
  });

  it('keeps the selection on a visible key, and clearing shows everything again', () => {
    let s = run(start(), { type: 'filter-open' }, { type: 'filter-change', text: 'ecdsa' });
    expect(s.screen.kind).toBe('filter');
    expect(s.selected).toBe(A.fpr);
    s = run(s, { type: 'move', delta: 1 });
    expect(s.selected).toBe(C.fpr); // B is hidden
    s = run(s, { type: 'filter-change', text: 'nope' });
    expect(s.selected).toBeUndefined();
    expect(cursorIndex(s)).toBe(-1);
    s = run(s, { type: 'filter-change', text: ' ecdsa ' }, { type: 'filter-accept' });
    expect(s).toMatchObject({ filter: 'ecdsa', screen: { kind: 'list' } });
    s = run(s, { type: 'filter-clear' });
    expect(s.filter).toBe('');
    expect(visibleKeys(s)).toHaveLength(3);
  });
});

describe('editing', () => {
  it('adds a key first (as guix archive --authorize does), selected, and refuses a duplicate', () => {
    let s = run(start(), { type: 'open', screen: 'add' });
    expect(s.screen.kind).toBe('add');
    s = run(s, { type: 'add', entry: D });
    expect(fprs(s.doc)).toEqual([D.fpr, A.fpr, B.fpr, C.fpr]);
    expect(s.selected).toBe(D.fpr);
    expect(s.screen.kind).toBe('list');
    expect(isDirty(s)).toBe(true);
    expect(s.message?.text).toMatch(/^added key d4d4d4d4d4d4d4d4 \(not saved yet\)$/);
    const again = run(s, { type: 'add', entry: { ...B, origin: { kind: 'pasted' } } });
    expect(fprs(again.doc)).toEqual(fprs(s.doc));
    expect(again.message).toEqual({ kind: 'error', text: 'already authorized: "old box"' });
    expect(again.past).toHaveLength(1);
  });

  it('shows a new key the filter would hide by clearing the filter', () => {
    const s = run(start(), { type: 'filter-change', text: 'rsa' }, { type: 'filter-accept' }, { type: 'add', entry: D });
    expect(s.filter).toBe('');
    expect(s.selected).toBe(D.fpr);
  });

  it('removes the selected key after the confirmation screen and selects its neighbour', () => {
    let s = run(start(), { type: 'move', delta: 1 }, { type: 'open', screen: 'remove' });
    expect(s.screen).toEqual({ kind: 'confirm-remove', fpr: B.fpr });
    expect(s.doc.keys).toHaveLength(3); // nothing removed before the answer
    s = run(s, { type: 'remove', fpr: B.fpr });
    expect(fprs(s.doc)).toEqual([A.fpr, C.fpr]);
    expect(s.selected).toBe(C.fpr);
    s = run(s, { type: 'remove', fpr: C.fpr });
    expect(s.selected).toBe(A.fpr); // the last one: the previous key
    expect(s.message?.text).toContain("this machine's own key");
    expect(changesBetween(s.base, s.doc).removed.map((e) => e.fpr)).toEqual([B.fpr, C.fpr]);
  });

  it('cancelling the confirmation changes nothing', () => {
    const s0 = start();
    const s = run(s0, { type: 'open', screen: 'remove' }, { type: 'close' });
    expect(s.doc).toBe(s0.doc);
    expect(s.past).toHaveLength(0);
  });

  it('labels, relabels and unlabels; the well-known label shows when there is none', () => {
    let s = run(start(), { type: 'open', screen: 'label' });
    expect(s.screen).toEqual({ kind: 'label', fpr: A.fpr });
    s = run(s, { type: 'label', fpr: A.fpr, label: '  berlin  ' });
    expect(s.doc.labels[A.fpr]).toBe('berlin');
    expect(visibleKeys(run(s, { type: 'filter-change', text: 'berlin' }))).toEqual([A]);
    s = run(s, { type: 'label', fpr: B.fpr, label: '' });
    expect(s.doc.labels[B.fpr]).toBeUndefined();
    const c = changesBetween(s.base, s.doc);
    expect(c.labels).toEqual([
      { fpr: B.fpr, from: 'old box', to: undefined },
      { fpr: A.fpr, from: undefined, to: 'berlin' },
    ]);
    const same = run(s, { type: 'label', fpr: A.fpr, label: 'berlin' });
    expect(same.past).toHaveLength(s.past.length); // no-op: nothing to undo
  });
});

describe('undo and redo', () => {
  it('steps back and forth; a new edit drops what could be redone', () => {
    let s = run(start(), { type: 'add', entry: D }, { type: 'remove', fpr: A.fpr }, { type: 'label', fpr: C.fpr, label: 'me' });
    const edited = s.doc;
    s = run(s, { type: 'undo' }, { type: 'undo' });
    expect(fprs(s.doc)).toEqual([D.fpr, A.fpr, B.fpr, C.fpr]);
    expect(s.message?.text).toBe('undone (1 more step to undo)');
    s = run(s, { type: 'redo' }, { type: 'redo' });
    expect(s.doc).toBe(edited);
    expect(run(s, { type: 'redo' }).message?.text).toBe('nothing to redo');
    s = run(s, { type: 'undo' }, { type: 'undo' }, { type: 'undo' });
    expect(s.doc).toBe(s.base);
    expect(isDirty(s)).toBe(false);
    expect(run(s, { type: 'undo' }).message?.text).toBe('nothing to undo');
    s = run(s, { type: 'redo' }, { type: 'remove', fpr: B.fpr });
    expect(s.future).toHaveLength(0);
  });

  const edits = fc.array(
    fc.oneof(
      fc.constantFrom(A, B, C, D, entry(0xe5), entry(0xf6)).map((e): Action => ({ type: 'add', entry: e })),
      fc.constantFrom(A, B, C, D).map((e): Action => ({ type: 'remove', fpr: e.fpr })),
      fc.tuple(fc.constantFrom(A, B, C, D), fc.constantFrom('', 'x', 'old box', 'y z')).map(([e, label]): Action => ({ type: 'label', fpr: e.fpr, label })),
    ),
    { maxLength: 25 },
  );

  it('undoing every edit gives back the document as loaded; redoing all gives the edited one', () => {
    fc.assert(
      fc.property(edits, (actions) => {
        const s0 = start();
        const edited = run(s0, ...actions);
        const n = edited.past.length;
        const undone = run(edited, ...Array.from({ length: n }, (): Action => ({ type: 'undo' })));
        expect(undone.doc).toEqual(s0.doc);
        expect(isDirty(undone)).toBe(false);
        const redone = run(undone, ...Array.from({ length: n }, (): Action => ({ type: 'redo' })));
        expect(redone.doc).toEqual(edited.doc);
      }),
    );
  });

  it('the change list is exactly the difference between the saved and the edited document', () => {
    fc.assert(
      fc.property(edits, (actions) => {
        const s = run(start(), ...actions);
        const c = changesBetween(s.base, s.doc);
        const before = new Set(fprs(s.base));
        const after = new Set(fprs(s.doc));
        expect(c.added.map((e) => e.fpr).sort()).toEqual([...after].filter((f) => !before.has(f)).sort());
        expect(c.removed.map((e) => e.fpr).sort()).toEqual([...before].filter((f) => !after.has(f)).sort());
        expect(isDirty(s)).toBe(countChanges(c) > 0);
        // The selection is always a visible key, or nothing when nothing is visible.
        expect(s.selected === undefined ? visibleKeys(s).length === 0 : visibleKeys(s).some((e) => e.fpr === s.selected)).toBe(true);
      }),
    );
  });
});

describe('saving', () => {
  it('says there is nothing to save when nothing changed', () => {
    const s = run(start(), { type: 'save-requested' });
    expect(s.screen.kind).toBe('list');
    expect(s.message?.text).toBe('nothing to save: no changes');
  });

  it('shows the summary, saves, and the saved document becomes the base', () => {
    let s = run(start(), { type: 'add', entry: D }, { type: 'save-requested' });
    expect(s.screen.kind).toBe('save-summary');
    expect(run(s, { type: 'close' }).screen.kind).toBe('list'); // n / Esc: back, nothing written
    s = run(s, { type: 'save-confirmed' });
    expect(s.screen.kind).toBe('saving');
    s = run(s, { type: 'saved', digest: 'd1' });
    expect(s).toMatchObject({ digest: 'd1', saves: 1, screen: { kind: 'list' }, exit: false });
    expect(s.base).toBe(s.doc);
    expect(isDirty(s)).toBe(false);
    expect(s.message?.text).toBe('saved 1 change');
    // Undo after a save makes the document differ from the file again.
    expect(isDirty(run(s, { type: 'undo' }))).toBe(true);
  });

  it('ignores a stray "saved" when no save is under way, and keeps labels pending when only they failed', () => {
    const s0 = run(start(), { type: 'add', entry: D });
    expect(run(s0, { type: 'saved', digest: 'x' })).toBe(s0);
    const s = run(s0, { type: 'label', fpr: A.fpr, label: 'berlin' }, { type: 'save-requested' }, { type: 'save-confirmed' }, { type: 'saved', digest: 'd1', labelsError: 'disk full' });
    expect(s.message).toEqual({ kind: 'error', text: 'ACL saved, but not the labels: disk full' });
    const c = changesBetween(s.base, s.doc);
    expect(c.added).toEqual([]);
    expect(c.labels).toHaveLength(1);
  });

  it('a failed save changes nothing but says why', () => {
    const s0 = run(start(), { type: 'add', entry: D }, { type: 'save-requested' }, { type: 'save-confirmed' });
    const s = run(s0, { type: 'save-failed', message: 'permission denied' });
    expect(s.message).toEqual({ kind: 'error', text: 'not saved: permission denied' });
    expect(s.doc).toBe(s0.doc);
    expect(s.base).toBe(s0.base);
  });
});

describe('conflict and reload', () => {
  const onDisk = snap([B, entry(0x77), C], { [C.fpr]: 'me' }, 'd9');

  it('a conflict shows its dialog and keeps the edits', () => {
    const s0 = run(start(), { type: 'add', entry: D }, { type: 'save-requested' }, { type: 'save-confirmed' });
    const s = run(s0, { type: 'conflict-detected', message: 'changed' });
    expect(s.screen).toEqual({ kind: 'conflict', message: 'changed' });
    expect(s.doc).toBe(s0.doc);
    expect(s.digest).toBe('d0');
  });

  it('reload dropping the changes takes the file as it is now', () => {
    const s = run(start(), { type: 'add', entry: D }, { type: 'conflict-detected', message: '' }, { type: 'reload', snapshot: onDisk, keepChanges: false });
    expect(s.doc).toEqual(onDisk.doc);
    expect(s.digest).toBe('d9');
    expect(isDirty(s)).toBe(false);
    expect(s.past).toHaveLength(0);
    expect(s.message?.text).toBe('reloaded from disk; 1 unsaved change discarded');
  });

  it('reload reapplying the changes puts the additions, removals and labels on the new file', () => {
    const s = run(
      start(),
      { type: 'add', entry: D },
      { type: 'remove', fpr: C.fpr },
      { type: 'remove', fpr: A.fpr }, // already gone on disk
      { type: 'label', fpr: B.fpr, label: 'new box' },
      { type: 'conflict-detected', message: '' },
      { type: 'reload', snapshot: onDisk, keepChanges: true },
    );
    expect(fprs(s.doc)).toEqual([D.fpr, B.fpr, hex(0x77)]);
    expect(s.doc.labels).toEqual({ [B.fpr]: 'new box', [C.fpr]: 'me' });
    expect(s.base).toEqual(onDisk.doc);
    expect(s.digest).toBe('d9');
    const c = changesBetween(s.base, s.doc);
    expect(c.added.map((e) => e.fpr)).toEqual([D.fpr]);
    expect(c.removed.map((e) => e.fpr)).toEqual([C.fpr]);
    expect(s.message?.text).toBe('reloaded from disk; your changes are applied again (3 changes to save)');
  });

  it('reapply is the identity when the file did not change', () => {
    fc.assert(
      fc.property(fc.subarray([A, B, C, D]), fc.subarray([A, B, C, D]), (base, doc) => {
        const b: Doc = { keys: base, labels: {} };
        const d: Doc = { keys: doc, labels: { [A.fpr]: 'a' } };
        const r = reapply(b, d, b);
        expect(new Set(fprs(r))).toEqual(new Set(fprs(d)));
        expect(r.labels).toEqual(d.labels);
      }),
    );
  });
});

describe('quitting', () => {
  it('leaves at once without changes', () => {
    expect(run(start(), { type: 'quit-requested' }).exit).toBe(true);
  });

  it('asks with unsaved changes: stay, discard, or save then quit', () => {
    const s = run(start(), { type: 'remove', fpr: A.fpr }, { type: 'quit-requested' });
    expect(s.exit).toBe(false);
    expect(s.screen.kind).toBe('quit-confirm');
    expect(run(s, { type: 'close' })).toMatchObject({ exit: false, screen: { kind: 'list' } });
    expect(run(s, { type: 'quit-confirmed' }).exit).toBe(true);
    const saving = run(s, { type: 'save-confirmed' });
    expect(saving).toMatchObject({ screen: { kind: 'saving' }, quitAfterSave: true });
    expect(run(saving, { type: 'saved', digest: 'd1' }).exit).toBe(true);
    // A conflict while saving on the way out stays in the editor.
    const conflict = run(saving, { type: 'conflict-detected', message: '' });
    expect(conflict).toMatchObject({ exit: false, quitAfterSave: false });
    expect(run(conflict, { type: 'reload', snapshot: snap([A]), keepChanges: false }).exit).toBe(false);
  });
});

describe('key generation', () => {
  it('is offered only without a key pair, and adds the new key as an undoable change', () => {
    expect(run(start(), { type: 'open', screen: 'generate' }).message?.kind).toBe('error');
    let s = initialState({ doc: { keys: [A], labels: {} }, digest: '', hasKeyPair: false });
    s = run(s, { type: 'open', screen: 'generate' });
    expect(s.screen.kind).toBe('generate');
    s = run(s, { type: 'key-generated', entry: { ...D, origin: { kind: 'generated', path: '/x/signing-key.pub' } } });
    expect(s).toMatchObject({ hasKeyPair: true, localFpr: D.fpr, selected: D.fpr, screen: { kind: 'list' } });
    expect(fprs(s.doc)).toEqual([D.fpr, A.fpr]);
    expect(s.message?.text).toContain('generated a key pair in /x/signing-key.pub');
    expect(fprs(run(s, { type: 'undo' }).doc)).toEqual([A.fpr]);
  });
});
