// A text input: typing and pasting append, Backspace erases (ink reports 0x7f as `delete`),
// Ctrl-W erases a word, Ctrl-U everything, Enter submits, Esc cancels. Pasted line breaks become
// spaces, so a multi-line S-expression pasted at once stays one value. Only the end of a long
// value is shown (as many wrapped lines as allowed), with a block as the cursor.
import { Box, Text } from 'ink';
import { useKeys } from './keyboard.js';
import { commandFor, FIELD_KEYS, keyName } from './keymap.js';
import { hardWrap } from './text.js';
import { useColour } from './theme.js';

export interface TextFieldProps {
  value: string;
  onChange: (value: string) => void;
  onSubmit: (value: string) => void;
  onCancel: () => void;
  isActive: boolean;
  width: number;
  maxLines?: number;
  prompt?: string;
  /** Keys the field does not use, for the owner (e.g. arrows in the filter). */
  onOtherKey?: (name: string) => void;
}

/** What typing `input` does to `value`; undefined when it is not text. */
export function typed(value: string, input: string): string | undefined {
  // Bracketed-paste markers, should a terminal send them, are not text.
  const text = input.replace(/\x1b?\[20[01]~/g, '');
  if (!text) return undefined;
  const clean = text.replace(/\r\n|[\r\n\t]/g, ' ').replace(/[\x00-\x1f\x7f]/g, '');
  return clean ? value + clean : undefined;
}

export function eraseWord(value: string): string {
  return value.replace(/\s*\S+\s*$/, '');
}

/** The last `maxLines` lines of `text` wrapped at `width` columns. */
export function tail(text: string, width: number, maxLines: number): string[] {
  return hardWrap(text, width).slice(-maxLines);
}

export function TextField(props: TextFieldProps) {
  const { value, onChange, onSubmit, onCancel, isActive, width, maxLines = 1, prompt = '' } = props;
  const colour = useColour();
  useKeys(
    (input, key) => {
      const name = keyName(input, key);
      // Text is never a command, though it may spell one ("escape" pasted).
      const command = name === input && [...input].length > 1 ? undefined : commandFor(FIELD_KEYS, name);
      switch (command) {
        case 'submit':
          return onSubmit(value);
        case 'cancel':
          return onCancel();
        case 'erase':
          return onChange(value.slice(0, -1));
        case 'erase-word':
          return onChange(eraseWord(value));
        case 'clear':
          return onChange('');
      }
      // Named keys (arrows, Page Up, ...) and Ctrl or Alt combinations are not text.
      if (key.ctrl || key.meta || name !== input) {
        props.onOtherKey?.(name);
        return;
      }
      const next = typed(value, input);
      if (next !== undefined) onChange(next);
      else props.onOtherKey?.(name);
    },
    isActive,
    { text: true },
  );
  const inner = Math.max(1, width - prompt.length);
  // One column is kept for the cursor.
  const shown = tail(value + ' ', inner, maxLines);
  const cursor = colour ? <Text inverse> </Text> : <Text>_</Text>;
  return (
    <Box flexDirection="column">
      {shown.map((line, i) => {
        const last = i === shown.length - 1;
        const body = last ? line.slice(0, -1) : line;
        return (
          <Text key={i} wrap="truncate-end">
            {i === 0 ? prompt : ' '.repeat(prompt.length)}
            {body}
            {last && isActive ? cursor : null}
          </Text>
        );
      })}
    </Box>
  );
}
