// kb serve: the page works without this; it only adds "/" to jump to the search box, as many
// sites do, and focuses the result a link points at (#item-N), so the keyboard continues there.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return;
  const box = document.querySelector("input[name=q], input[name=party]");
  if (box) { event.preventDefault(); box.focus(); box.select(); }
});
window.addEventListener("DOMContentLoaded", () => {
  if (!location.hash.startsWith("#item-")) return;
  const item = document.getElementById(location.hash.slice(1));
  if (item) { item.setAttribute("tabindex", "-1"); item.focus({ preventScroll: true }); }
});
// Switching language keeps the place on the page (#item-N): the server never sees the fragment.
window.addEventListener("DOMContentLoaded", () => {
  const link = document.getElementById("switch-language");
  if (link) link.addEventListener("click", () => { if (location.hash) link.href = link.href.split("#")[0] + location.hash; });
});
