// Cash-up (to be written).

import { html } from "../../vendor/preact-htm.js";
import { Section } from "../ui.js";

let api = null;

function View() {
  return html`<${Section} id="cashup" title="Cash-up"><p>Coming.</p><//>`;
}

export default {
  id: "cashup",
  title: "Cash-up",
  requires: (theApi) => theApi.has("money/gettakings"),
  start(theApi) { api = theApi; },
  View,
};
