// Refunds (to be written).

import { html } from "../../vendor/preact-htm.js";
import { Section } from "../ui.js";

let api = null;

function View() {
  return html`<${Section} id="refunds" title="Refunds"><p>Coming.</p><//>`;
}

export default {
  id: "refunds",
  title: "Refunds",
  requires: (theApi) => theApi.has("money/getpaymenttypes"),
  start(theApi) { api = theApi; },
  View,
};
