// One owner of the keyboard at a time. ink's useInput subscribes each component in an effect,
// after the frame is drawn, so a key typed right after a screen change can reach a handler from
// the previous frame, or none. Here the app subscribes once; every render names the current
// owner (the last active component rendered), and each key goes to that owner's latest handler.
import { useInput, type Key } from 'ink';
import { createContext, useCallback, useContext, useRef, type ReactNode } from 'react';

export type KeyHandler = (input: string, key: Key) => void;

const OwnerContext = createContext<{ current: KeyHandler | undefined } | undefined>(undefined);

export function KeyboardProvider({ children }: { children: ReactNode }) {
  const owner = useRef<KeyHandler | undefined>(undefined);
  // Whoever renders as active below claims the keyboard anew on every render.
  owner.current = undefined;
  const dispatch = useCallback<KeyHandler>((input, key) => owner.current?.(input, key), []);
  useInput(dispatch);
  return <OwnerContext.Provider value={owner}>{children}</OwnerContext.Provider>;
}

/** A component that only takes the keyboard (for keys handled by its parent). */
export function KeyOwner({ handler, isActive }: { handler: KeyHandler; isActive: boolean }) {
  useKeys(handler, isActive);
  return null;
}

/** Take the keyboard while `isActive` (the last active component rendered wins). */
export function useKeys(handler: KeyHandler, isActive = true): void {
  const owner = useContext(OwnerContext);
  if (!owner) throw new Error('useKeys outside KeyboardProvider');
  if (isActive) owner.current = handler;
}
