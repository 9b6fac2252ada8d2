// The editor: state in the reducer (state.ts), one screen at a time owning the keyboard, and the
// effects (save, reload, generate) run here and reported back to the reducer as actions.
import { Box, useApp, type Key } from 'ink';
import { KeyboardProvider, KeyOwner, useKeys } from './keyboard.js';
import { useCallback, useEffect, useReducer, useState, type ReactNode } from 'react';
import { AclConflictError } from '../acl/store.js';
import { shortFingerprint } from '../fingerprint.js';
import { AddKey } from './AddKey.js';
import type { EditorBackend, Loaded } from './backend.js';
import { Detail, PREVIEW_HEIGHT, Preview } from './Detail.js';
import { plural, wordWrap } from './text.js';
import { ConfirmRemove, Conflict, Generate, Help, LabelEditor, QuitConfirm, SaveSummary } from './dialogs.js';
import {
  CONFIRM_REMOVE_KEYS, CONFLICT_KEYS, DETAIL_KEYS, GENERATE_KEYS, HELP_KEYS, LIST_KEYS, QUIT_KEYS, SAVE_KEYS,
  commandFor, helpItems, keyName, layoutHelp,
} from './keymap.js';
import { KeyList } from './KeyList.js';
import {
  changesBetween, countChanges, cursorIndex, findKey, initialState, labelOf, reducer, visibleKeys,
  type EditorState,
} from './state.js';
import { TextField } from './TextField.js';
import { Para, Styled, ThemeContext, useTerminalSize } from './theme.js';

export interface AppProps {
  backend: EditorBackend;
  loaded: Loaded;
  colour: boolean;
  /** Told the final state just before the editor leaves. */
  onExit?: (state: EditorState) => void;
}

/** Smallest terminal the editor draws in. */
export const MIN_COLUMNS = 40;
export const MIN_ROWS = 10;

/** Screens whose help line is just their key table's. */
const SCREEN_KEYS = {
  detail: DETAIL_KEYS,
  'confirm-remove': CONFIRM_REMOVE_KEYS,
  'save-summary': SAVE_KEYS,
  conflict: CONFLICT_KEYS,
  'quit-confirm': QUIT_KEYS,
  generate: GENERATE_KEYS,
  help: HELP_KEYS,
} as const;

function helpFor(state: EditorState): string[] {
  switch (state.screen.kind) {
    case 'list': {
      const items = helpItems(LIST_KEYS);
      if (!state.hasKeyPair) items.splice(items.length - 2, 0, 'g generate key');
      if (state.filter) items.splice(1, 0, 'Esc unfilter');
      return items;
    }
    case 'filter':
      return ['type to filter', '↑↓ move', '⏎ keep filter', 'Esc clear'];
    case 'add':
      return ['⏎ add', 'Esc cancel', '⌫ erase', 'Ctrl-U clear'];
    case 'label':
      return ['⏎ set label', 'Esc cancel', 'Ctrl-U clear'];
    case 'saving':
      return ['saving…'];
    default:
      return helpItems(SCREEN_KEYS[state.screen.kind]);
  }
}

export function App({ backend, loaded, colour, onExit }: AppProps) {
  const [state, dispatch] = useReducer(reducer, undefined, () =>
    initialState(loaded.snapshot, loaded.notes.length ? { text: loaded.notes.join('; '), kind: 'info' } : undefined),
  );
  const [symlinkTarget, setSymlinkTarget] = useState(loaded.symlinkTarget);
  const [generating, setGenerating] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const app = useApp();
  const { columns, rows } = useTerminalSize();
  const screen = state.screen;
  const aclPath = backend.paths.acl;

  // Leaving: only ever through the reducer (q, quit confirmed, saved from the quit dialog).
  useEffect(() => {
    if (state.exit) {
      onExit?.(state);
      app.exit();
    }
  }, [state.exit]);

  // Saving runs after the "Saving…" frame is drawn; the lock wait and the write are synchronous.
  useEffect(() => {
    if (screen.kind !== 'saving') return;
    const timer = setTimeout(() => {
      try {
        const result = backend.save(state.base, state.doc, state.digest);
        setSymlinkTarget(undefined);
        dispatch(result.labelsError === undefined ? { type: 'saved', digest: result.digest } : { type: 'saved', digest: result.digest, labelsError: result.labelsError });
      } catch (e) {
        if (e instanceof AclConflictError) dispatch({ type: 'conflict-detected', message: e.message });
        else dispatch({ type: 'save-failed', message: (e as Error).message });
      }
    }, 0);
    return () => clearTimeout(timer);
  }, [screen.kind]);

  const reload = (keepChanges: boolean) => {
    try {
      const fresh = backend.load();
      setSymlinkTarget(fresh.symlinkTarget);
      dispatch({ type: 'reload', snapshot: fresh.snapshot, keepChanges });
    } catch (e) {
      dispatch({ type: 'close' });
      dispatch({ type: 'message', kind: 'error', text: `cannot reload: ${(e as Error).message}` });
    }
  };

  const generate = () => {
    if (!backend.generate) {
      setGenerating({ busy: false, error: 'key generation is not available in this build; use keytool generate' });
      return;
    }
    setGenerating({ busy: true });
    setTimeout(() => {
      try {
        const entry = backend.generate!();
        setGenerating({ busy: false });
        dispatch({ type: 'key-generated', entry });
      } catch (e) {
        setGenerating({ busy: false, error: (e as Error).message });
      }
    }, 0);
  };

  const visible = visibleKeys(state);
  const listRows = (h: number) => Math.max(1, h - 1);

  // Layout: header, body, message, help line; one row is left free so ink never scrolls the screen.
  const width = Math.max(1, columns);
  const height = Math.max(1, rows - 1);
  const help = layoutHelp(helpFor(state), width - 1);
  const message = state.message ? wordWrap(state.message.text, width - 1).slice(0, 3) : [];
  const bodyHeight = Math.max(1, height - 1 - message.length - help.length);

  const listKeys = (input: string, key: Key) => {
    const c = commandFor(LIST_KEYS, keyName(input, key));
    switch (c) {
      case 'up': return dispatch({ type: 'move', delta: -1 });
      case 'down': return dispatch({ type: 'move', delta: 1 });
      case 'pageup': return dispatch({ type: 'move', delta: -Math.max(1, listRows(bodyHeight) - 1) });
      case 'pagedown': return dispatch({ type: 'move', delta: Math.max(1, listRows(bodyHeight) - 1) });
      case 'home': return dispatch({ type: 'home' });
      case 'end': return dispatch({ type: 'end' });
      case 'filter': return dispatch({ type: 'filter-open' });
      case 'clear-filter': return state.filter ? dispatch({ type: 'filter-clear' }) : undefined;
      case 'details': return dispatch({ type: 'open', screen: 'detail' });
      case 'help': return dispatch({ type: 'open', screen: 'help' });
      case 'add': return dispatch({ type: 'open', screen: 'add' });
      case 'remove': return dispatch({ type: 'open', screen: 'remove' });
      case 'label': return dispatch({ type: 'open', screen: 'label' });
      case 'undo': return dispatch({ type: 'undo' });
      case 'redo': return dispatch({ type: 'redo' });
      case 'save': return dispatch({ type: 'save-requested' });
      case 'quit': return dispatch({ type: 'quit-requested' });
      case 'generate':
        setGenerating({ busy: false });
        return dispatch({ type: 'open', screen: 'generate' });
    }
  };

  const isKnown = useCallback(
    (fpr: string) => {
      const e = findKey(state.doc, fpr);
      return e ? labelOf(state.doc, e) || shortFingerprint(fpr) : undefined;
    },
    [state.doc],
  );

  const changes = changesBetween(state.base, state.doc);
  const pending = countChanges(changes);

  if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
    return (
      <ThemeContext.Provider value={{ colour }}>
        <KeyboardProvider>
          <SmallTerminal columns={columns} rows={rows} pending={pending} onQuit={() => dispatch({ type: 'quit-requested' })} />
        </KeyboardProvider>
      </ThemeContext.Provider>
    );
  }

  let body: ReactNode;
  const list = (h: number) => (
    <KeyList doc={state.doc} entries={visible} selected={state.selected} localFpr={state.localFpr} width={width} height={h} filter={state.filter} />
  );
  const selectedEntry = state.selected === undefined ? undefined : findKey(state.doc, state.selected);
  switch (screen.kind) {
    case 'list':
      // Room to spare under the list: show the selected key there.
      if (selectedEntry && bodyHeight >= visible.length + 2 + PREVIEW_HEIGHT) {
        body = (
          <Box flexDirection="column">
            {list(bodyHeight - PREVIEW_HEIGHT)}
            <Preview base={state.base} doc={state.doc} entry={selectedEntry} localFpr={state.localFpr} aclPath={aclPath} width={width - 1} />
          </Box>
        );
      } else body = list(bodyHeight);
      break;
    case 'filter':
      body = (
        <Box flexDirection="column">
          {list(bodyHeight - 1)}
          <TextField
            value={state.filter}
            onChange={(text) => dispatch({ type: 'filter-change', text })}
            onSubmit={() => dispatch({ type: 'filter-accept' })}
            onCancel={() => dispatch({ type: 'filter-clear' })}
            onOtherKey={(name) => {
              if (name === 'up') dispatch({ type: 'move', delta: -1 });
              if (name === 'down') dispatch({ type: 'move', delta: 1 });
            }}
            isActive
            width={width - 1}
            prompt="/"
          />
        </Box>
      );
      break;
    case 'detail': {
      const entry = findKey(state.doc, screen.fpr);
      if (!entry) {
        body = list(bodyHeight);
        break;
      }
      body = (
        <Detail
          base={state.base}
          doc={state.doc}
          entry={entry}
          index={visible.findIndex((e) => e.fpr === entry.fpr)}
          count={visible.length}
          localFpr={state.localFpr}
          aclPath={aclPath}
          width={width - 1}
          height={bodyHeight}
          isActive
          onCommand={(c) => {
            switch (c) {
              case 'back': return dispatch({ type: 'close' });
              case 'label': return dispatch({ type: 'open', screen: 'label' });
              case 'remove': return dispatch({ type: 'open', screen: 'remove' });
              case 'prev':
              case 'next': {
                const i = cursorIndex(state) + (c === 'next' ? 1 : -1);
                const other = visible[i];
                if (other) {
                  dispatch({ type: 'select', fpr: other.fpr });
                  dispatch({ type: 'open', screen: 'detail' });
                }
                return;
              }
            }
          }}
        />
      );
      break;
    }
    case 'add':
      body = (
        <AddKey
          cwd={backend.cwd}
          isKnown={isKnown}
          onAdd={(entry) => dispatch({ type: 'add', entry })}
          onCancel={() => dispatch({ type: 'close' })}
          width={width - 1}
          height={bodyHeight}
          isActive
        />
      );
      break;
    case 'confirm-remove':
    case 'label': {
      const entry = findKey(state.doc, screen.fpr);
      const dialogHeight = screen.kind === 'label' ? 5 : entry?.fpr === state.localFpr ? 7 : 5;
      body = (
        <Box flexDirection="column">
          {list(Math.max(2, bodyHeight - dialogHeight))}
          {entry && screen.kind === 'confirm-remove' ? (
            <ConfirmRemove
              doc={state.doc}
              entry={entry}
              local={entry.fpr === state.localFpr}
              isActive
              width={width - 1}
              onAnswer={(yes) => dispatch(yes ? { type: 'remove', fpr: entry.fpr } : { type: 'close' })}
            />
          ) : null}
          {entry && screen.kind === 'label' ? (
            <LabelEditor
              doc={state.doc}
              entry={entry}
              isActive
              width={width - 1}
              onDone={(label) => dispatch(label === undefined ? { type: 'close' } : { type: 'label', fpr: entry.fpr, label })}
            />
          ) : null}
        </Box>
      );
      break;
    }
    case 'save-summary':
      body = (
        <SaveSummary
          base={state.base}
          doc={state.doc}
          changes={changes}
          localFpr={state.localFpr}
          aclPath={aclPath}
          symlinkTarget={symlinkTarget}
          width={width - 1}
          height={bodyHeight}
          isActive
          onAnswer={(yes) => dispatch(yes ? { type: 'save-confirmed' } : { type: 'close' })}
        />
      );
      break;
    case 'saving':
      body = (
        <Box height={bodyHeight}>
          <Styled tone="warn">{`Saving ${aclPath}…`}</Styled>
        </Box>
      );
      break;
    case 'conflict':
      body = (
        <Conflict
          aclPath={aclPath}
          pending={pending}
          width={width - 1}
          height={bodyHeight}
          isActive
          onCommand={(c) => (c === 'back' ? dispatch({ type: 'close' }) : reload(c === 'reapply'))}
        />
      );
      break;
    case 'quit-confirm':
      body = (
        <Box flexDirection="column">
          {list(Math.max(2, bodyHeight - 4))}
          <QuitConfirm
            pending={pending}
            width={width - 1}
            isActive
            onCommand={(c) => dispatch(c === 'yes' ? { type: 'quit-confirmed' } : c === 'other' ? { type: 'save-confirmed' } : { type: 'close' })}
          />
        </Box>
      );
      break;
    case 'generate':
      body = (
        <Generate
          dir={backend.paths.dir}
          error={generating.error}
          busy={generating.busy}
          width={width - 1}
          height={bodyHeight}
          isActive
          onAnswer={(yes) => (yes ? generate() : dispatch({ type: 'close' }))}
        />
      );
      break;
    case 'help':
      body = <Help width={width - 1} height={bodyHeight} isActive onClose={() => dispatch({ type: 'close' })} />;
      break;
  }

  const status = pending > 0 ? plural(pending, 'unsaved change') : 'no unsaved changes';
  const count = plural(state.doc.keys.length, 'key');
  const shown = state.filter ? ` · ${visible.length} shown (filter: ${state.filter})` : '';
  const right = `${count}${shown} · ${status}`;
  const header = headerLine(aclPath, right, width - 1);

  return (
    <ThemeContext.Provider value={{ colour }}>
      <KeyboardProvider>
      <KeyOwner handler={listKeys} isActive={screen.kind === 'list'} />
      <Box flexDirection="column" width={width} height={height}>
        <Styled tone={pending > 0 ? 'warn' : 'accent'}>{header.slice(0, width - 1)}</Styled>
        <Box height={bodyHeight} flexDirection="column" overflow="hidden">
          {body}
        </Box>
        {message.map((l, i) => (
          <Styled key={`m${i}`} tone={state.message?.kind === 'error' ? 'error' : 'plain'}>{l}</Styled>
        ))}
        {help.map((l, i) => (
          <Styled key={`h${i}`} tone="dim">{l}</Styled>
        ))}
      </Box>
      </KeyboardProvider>
    </ThemeContext.Provider>
  );
}

/** " keytool acl  PATH ...  RIGHT" in `width` columns: the path gives way first (…/end kept). */
export function headerLine(aclPath: string, right: string, width: number): string {
  const prefix = ' keytool acl  ';
  const room = width - prefix.length - right.length - 1;
  const p = aclPath.length <= room ? aclPath : room > 1 ? `…${aclPath.slice(aclPath.length - room + 1)}` : '';
  const left = `${prefix}${p}`;
  return `${left}${' '.repeat(Math.max(1, width - left.length - right.length))}${right}`.slice(0, width);
}

function SmallTerminal({ columns, rows, pending, onQuit }: { columns: number; rows: number; pending: number; onQuit: () => void }) {
  useKeys((input, key) => {
    const name = keyName(input, key);
    if (pending === 0 && (name === 'q' || name === 'ctrl+c')) onQuit();
  });
  const what = pending === 0 ? 'Enlarge it, or q to quit.' : `Enlarge it to save or drop your ${plural(pending, 'unsaved change')}.`;
  return <Para tone="warn" width={Math.max(1, columns - 1)} text={`Terminal too small (${columns}×${rows}); keytool acl needs ${MIN_COLUMNS}×${MIN_ROWS}. ${what}`} />;
}
