// The add-key dialog: a file name or a pasted (public-key ...), checked on every keystroke; Enter
// adds it only when it is a usable public key that is not in the list yet.
import { Box, Text } from 'ink';
import { useMemo, useState } from 'react';
import { checkKeyInput, type KeyInput } from './entries.js';
import type { KeyEntry } from './state.js';
import { TextField } from './TextField.js';
import { Para, Styled } from './theme.js';

export interface AddKeyProps {
  cwd: string;
  /** The label (or short fingerprint) of a key already in the list, else undefined. */
  isKnown: (fpr: string) => string | undefined;
  onAdd: (entry: KeyEntry) => void;
  onCancel: () => void;
  width: number;
  height: number;
  isActive: boolean;
}

function Verdict({ check, width }: { check: KeyInput; width: number }) {
  switch (check.status) {
    case 'empty':
      return <Para tone="dim" width={width} text="A file name (relative, absolute or ~/…) or the key's text, e.g. (public-key (ecc (curve Ed25519) (q #…#)))" />;
    case 'incomplete':
      return <Para tone="warn" width={width} text={`… ${check.message}`} />;
    case 'invalid':
      return <Para tone="error" width={width} text={`✗ ${check.message}`} />;
    case 'valid':
      return <Para tone="ok" width={width} text={`✓ ${check.summary} — Enter adds it`} />;
  }
}

export function AddKey({ cwd, isKnown, onAdd, onCancel, width, height, isActive }: AddKeyProps) {
  const [value, setValue] = useState('');
  const [tried, setTried] = useState(false);
  const check = useMemo(() => checkKeyInput(value, cwd, isKnown), [value, cwd, isKnown]);
  const fieldLines = Math.max(1, Math.min(6, height - 6));
  return (
    <Box flexDirection="column" height={height} width={width}>
      <Styled tone="accent">Add a key to the ACL</Styled>
      <Text wrap="truncate-end">Type the name of a public key file, or paste the key itself:</Text>
      <TextField
        value={value}
        onChange={(v) => {
          setValue(v);
          setTried(false);
        }}
        onSubmit={() => {
          if (check.status === 'valid') onAdd(check.entry);
          else setTried(true);
        }}
        onCancel={onCancel}
        isActive={isActive}
        width={width}
        maxLines={fieldLines}
        prompt="> "
      />
      <Box marginTop={1} width={width}>
        <Verdict width={width} check={tried && check.status === 'empty' ? { status: 'invalid', message: 'nothing to add yet' } : check} />
      </Box>
    </Box>
  );
}
