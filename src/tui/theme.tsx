// Colour on or off for the whole editor (off with NO_COLOR, TERM=dumb or when asked), and the
// terminal's size, followed as it is resized.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { Box, Text, useStdout, type TextProps } from 'ink';
import { wordWrap } from './text.js';

export const ThemeContext = createContext<{ colour: boolean }>({ colour: false });

export const useColour = (): boolean => useContext(ThemeContext).colour;

type Tone = 'accent' | 'ok' | 'error' | 'warn' | 'dim' | 'strong' | 'selected' | 'plain';

const TONES: Record<Tone, TextProps> = {
  accent: { color: 'cyan' },
  ok: { color: 'green' },
  error: { color: 'red', bold: true },
  warn: { color: 'yellow' },
  dim: { dimColor: true },
  strong: { bold: true },
  selected: { inverse: true },
  plain: {},
};

/** Text styled by meaning; with colour off it is plain text, no escape sequences at all. */
export function Styled({ tone = 'plain', children, wrap }: { tone?: Tone; children: ReactNode; wrap?: 'wrap' | 'truncate-end' }) {
  const style = useColour() ? TONES[tone] : TONES.plain;
  return <Text wrap={wrap ?? 'truncate-end'} {...style}>{children}</Text>;
}

export interface Size {
  columns: number;
  rows: number;
}

/** The terminal's size (80×24 when the stream does not say), updated on every resize. */
export function useTerminalSize(): Size {
  const { stdout } = useStdout();
  const read = (): Size => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

/** A paragraph broken between words at `width` columns (see text.ts), in one tone. */
export function Para({ tone = 'plain', width, text }: { tone?: Tone; width: number; text: string }) {
  return (
    <Box flexDirection="column">
      {wordWrap(text, width).map((line, i) => (
        <Styled key={i} tone={tone}>
          {line || ' '}
        </Styled>
      ))}
    </Box>
  );
}
