// The card page of the payment method "stripe" (xts2_stripe): Stripe.js's card Element takes the
// card, confirmCardPayment pays the PaymentIntent (3-D Secure in the page if the bank asks),
// then the browser goes to the shop's return address, where the server asks Stripe. A refusal
// is shown here in Stripe's words and the customer may try again with the same PaymentIntent.
// Loaded as a module after Stripe.js (a classic script before it), so `Stripe` is there.

const form = document.getElementById('stripe-card');
const button = document.getElementById('card-pay');
const errors = document.getElementById('card-errors');
const status = document.getElementById('card-status');

function say(message) {
  errors.textContent = message || '';
}

function start() {
  if (typeof window.Stripe !== 'function') {
    say('The card form could not be loaded. Check your connection and reload this page, or ' +
        'choose another way to pay.');
    return;
  }
  const stripe = window.Stripe(form.dataset.key);
  const card = stripe.elements().create('card');
  card.mount('#card-element');
  // Stripe.js passes an event with the card's own complaint; a stand-in may pass nothing.
  card.on('change', (event) => say(event && event.error ? event.error.message : ''));
  button.disabled = false;

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (button.disabled) {
      return;
    }
    button.disabled = true;
    say('');
    status.textContent = 'Paying…';
    const details = {};
    if (form.dataset.name) {
      details.name = form.dataset.name;
    }
    if (form.dataset.email) {
      details.email = form.dataset.email;
    }
    let result;
    try {
      result = form.dataset.emulator
        ? await payThroughEmulator(stripe, card, details)
        : await stripe.confirmCardPayment(form.dataset.secret, {
          payment_method: {card, billing_details: details},
        });
    } catch (err) {
      result = {error: {message: 'The card service did not answer. Nothing was taken; ' +
                                 'please try again.'}};
    }
    const intent = result && result.paymentIntent;
    if (intent && ['succeeded', 'processing', 'requires_capture'].includes(intent.status)) {
      status.textContent = 'Paid. Taking you to your order…';
      window.location.assign(form.dataset.return);
      return;
    }
    const error = (result && result.error) || (intent && intent.last_payment_error);
    status.textContent = '';
    say((error && error.message ? error.message + ' ' : 'The payment was not completed. ') +
        'Nothing was taken; check the card details and try again, or use another card.');
    button.disabled = false;
  });
}

// With a Stripe emulator (localstripe, setting stripe.emulator): its confirmCardPayment does not
// send the card, its confirmCardSetup does. So the card goes to the emulator with a SetupIntent
// made for this try, the server confirms the PaymentIntent with the PaymentMethod that made, and
// confirmCardPayment then answers 3-D Secure if the emulator asks (emulator.py).
async function payThroughEmulator(stripe, card, details) {
  const setup = await stripe.confirmCardSetup(form.dataset.setup, {
    payment_method: {card, billing_details: details},
  });
  const ask = (body) => fetch(form.dataset.emulator, {
    method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({client_secret: form.dataset.secret, ...body}),
  });
  if (!setup || setup.error || !setup.setupIntent) {
    const renewed = await (await ask({renew: true})).json().catch(() => ({}));
    if (renewed.setup) {
      form.dataset.setup = renewed.setup;  // that SetupIntent is spent: the next try needs one
    }
    return {error: (setup && setup.error) || {}};
  }
  const response = await ask({setup_intent: setup.setupIntent.id});
  const body = await response.json().catch(() => ({}));
  if (body.setup) {
    form.dataset.setup = body.setup;  // a new SetupIntent for the next try
  }
  if (!response.ok || body.error) {
    return {error: body.error || {}};
  }
  if (body.status === 'requires_action') {
    return stripe.confirmCardPayment(form.dataset.secret);
  }
  return {paymentIntent: body};
}

start();
