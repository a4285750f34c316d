// State lives in one place; the screen is drawn from it. set() merges and redraws.
import { useEffect, useState } from "../vendor/preact-htm.js";

const listeners = new Set();
let state = {};

export function get() { return state; }

export function set(patch) {
  state = { ...state, ...(typeof patch === "function" ? patch(state) : patch) };
  for (const listener of listeners) listener(state);
}

export function reset(initial) { state = { ...initial }; for (const l of listeners) l(state); }

/** A component re-renders whenever the state changes. */
export function useStore() {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((t) => t + 1);
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, []);
  return state;
}
