// The shop works without this file. With it, the time a basket is held counts down by itself,
// and the page waiting for a payment looks again every few seconds (for about a minute).

for (const el of document.querySelectorAll("[data-countdown]")) {
  const end = Date.now() + Number(el.dataset.countdown) * 1000;
  const hold = el.closest(".hold");
  const tick = () => {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    const m = Math.floor(left / 60), s = left % 60;
    el.textContent = left ? `${m} min ${String(s).padStart(2, "0")} s` : "no time";
    if (hold) hold.classList.toggle("short", left < 120);
    if (left) setTimeout(tick, 1000);
  };
  tick();
}

const poll = document.querySelector("[data-poll]");
if (poll) {
  const tries = Number(new URLSearchParams(location.search).get("try") || 0);
  if (tries < 20) {
    const note = document.createElement("p");
    note.className = "hint";
    note.textContent = "This page looks again by itself every few seconds.";
    poll.after(note);
    setTimeout(() => location.replace(`${poll.dataset.poll}?try=${tries + 1}`), 3000);
  }
}
