// The donations plugin's panel for the XTS2 browser client: a donation with an amount (a tap on
// 5, 10 or 20, or any amount typed) and, optionally, a Gift Aid declaration with the donor's name
// and postcode. The client imports this module (GET /v2 lists it) and hands it `ctx`: its Preact,
// addItem, Message and the money helpers. It changes the basket only through ctx.addItem.

let ctx = null;

const PRESETS = ["5.00", "10.00", "20.00"];

function DonationPanel() {
  const { html, useState, store, Message, addItem, pence } = ctx;
  const s = store.useStore();
  const [amount, setAmount] = useState("");
  const [giftaid, setGiftaid] = useState(false);
  const [donor, setDonor] = useState("");
  const [postcode, setPostcode] = useState("");
  const busy = s.busy === "donation";
  const give = async (value) => {
    if (pence(value) === null || pence(value) <= 0) {
      store.set({ message: { where: "donations", kind: "error", text: "Type the amount as pounds and pence, for example 10 or 12.50." } });
      return;
    }
    const params = { amount: value, giftaid: giftaid ? "true" : "false" };
    if (donor.trim()) params.donor = donor.trim();
    if (postcode.trim()) params.postcode = postcode.trim();
    const body = await addItem("donation", params, { busy: "donation", where: "donations", what: "the donation" });
    if (body) { setAmount(""); setGiftaid(false); setDonor(""); setPostcode(""); }
  };
  return html`
    <section class="panel" id="donations" aria-labelledby="donations-h">
      <h2 id="donations-h">Donation</h2>
      <div class="tiles">
        ${PRESETS.map((v) => html`<button class="tile donate" key=${v} disabled=${busy}
          onClick=${() => give(v)}><span class="name">Give ${v}</span></button>`)}
      </div>
      <form class="form donation-form" onSubmit=${(e) => { e.preventDefault(); give(amount.trim()); }}>
        <label for="donation-amount"><span>Another amount</span>
          <input id="donation-amount" inputmode="decimal" autocomplete="off" value=${amount}
            onInput=${(e) => setAmount(e.target.value)} /></label>
        <label class="check" for="donation-giftaid">
          <input id="donation-giftaid" type="checkbox" checked=${giftaid}
            onChange=${(e) => setGiftaid(e.target.checked)} />
          <span>Gift Aid: the donor is a UK taxpayer and has made a declaration</span></label>
        ${giftaid ? html`
          <label for="donation-donor"><span>Donor's full name</span>
            <input id="donation-donor" autocomplete="off" value=${donor} required
              onInput=${(e) => setDonor(e.target.value)} /></label>
          <label for="donation-postcode"><span>Donor's postcode</span>
            <input id="donation-postcode" autocomplete="off" value=${postcode} required
              onInput=${(e) => setPostcode(e.target.value)} /></label>` : null}
        <button class="go" type="submit" disabled=${busy} aria-busy=${busy}>${busy ? "Adding…" : "Add donation"}</button>
      </form>
      <${Message} where="donations" />
    </section>`;
}

export default {
  title: "Donations",
  itemTypes: ["donation"],
  start(clientContext) { ctx = clientContext; },
  Main: DonationPanel,
};
