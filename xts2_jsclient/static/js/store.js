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

/** A component re-renders whenever the state changes — also when it changed between the
 * component's first drawing and its subscription (effects run after the browser paints). */
export function useStore() {
  const [, setTick] = useState(0);
  const drawn = state;
  useEffect(() => {
    const listener = () => setTick((t) => t + 1);
    listeners.add(listener);
    if (state !== drawn) listener();
    return () => listeners.delete(listener);
  }, []);
  return state;
}
