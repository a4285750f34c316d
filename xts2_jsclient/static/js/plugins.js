// Panels that plugins ship: GET /v2 lists each plugin folder's panel module
// (<directory panel="/donations/panel.js"/>); the client imports it and mounts it beside its own.
//
// A panel module's default export is {title, itemTypes, start(ctx), Main} where Main is a component
// drawn in the selling screen's middle column. It draws with the client's own Preact, handed over
// in `ctx` (a second copy of Preact would not share hooks), and changes the basket only through
// ctx.addItem, so opids, retries, refusals and the basket column work for it as for tickets:
//
//   ctx.html, ctx.useState, ctx.useEffect   Preact with htm and hooks
//   ctx.addItem(type, {param: value}, {busy, where, what})   add an item (item.* without the prefix)
//   ctx.api                                  api.call(path, params) for reads of its own
//   ctx.Message                              <${ctx.Message} where="donations" />: refusals there
//   ctx.store                                ctx.store.useStore() / get(): the state (busy, basket)
//   ctx.money, ctx.pence                     "12.50" ⇄ 1250 (whole pence, never floats)

import * as preact from "../vendor/preact-htm.js";
import * as store from "./store.js";
import { addItem } from "./sale.js";
import { money, pence } from "./format.js";
import { Message } from "./ui.js";

/** Import every plugin's panel; a panel that fails to load is reported, not fatal. */
export async function loadPluginPanels(api) {
  const ctx = { html: preact.html, useState: preact.useState, useEffect: preact.useEffect,
    addItem, api, Message, store, money, pence };
  const loaded = [];
  for (const folder of api.files.filter((f) => f.panel)) {
    try {
      const module = await import(folder.panel);
      const panel = module.default;
      if (!panel || typeof panel.Main !== "function") throw new Error("its default export has no Main");
      panel.start?.(ctx);
      loaded.push({ ...panel, servlet: null, plugin: folder.plugin, itemTypes: panel.itemTypes || [] });
    } catch (err) {
      console.error(`the panel of plugin ${folder.plugin} (${folder.panel}) did not load:`, err);
      store.set({ message: { where: "global", kind: "error",
        text: `The ${folder.plugin} plugin's panel could not be loaded; its items can still be added below.` } });
    }
  }
  return loaded;
}
