// The shop works without this file. With it, the time a basket is held counts down by itself.
for (const el of document.querySelectorAll("[data-countdown]")) {
  const end = Date.now() + Number(el.dataset.countdown) * 1000;
  const tick = () => {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    const m = Math.floor(left / 60), s = left % 60;
    el.textContent = left ? `${m}:${String(s).padStart(2, "0")} minutes` : "no time: the basket has expired";
    if (left) setTimeout(tick, 1000);
  };
  tick();
}
