// Keeps the product page's stock badges current: polls the stock endpoint every 30 seconds while
// the page is visible and updates each variant's badge (and disables sold-out choices).
(function () {
  "use strict";
  var form = document.querySelector("[data-stock-url]");
  if (!form || !window.fetch) return;
  var url = form.getAttribute("data-stock-url");
  var classes = { sold_out: "badge-danger", few: "badge-warning", in_stock: "badge-success" };

  function apply(data) {
    Object.keys(data).forEach(function (id) {
      var badge = form.querySelector('[data-stock-for="' + id + '"]');
      var input = document.getElementById("v-" + id);
      if (!badge) return;
      badge.textContent = data[id].label;
      badge.className = "badge " + (classes[data[id].state] || "");
      if (input) {
        input.disabled = data[id].state === "sold_out";
        if (input.disabled) input.checked = false;
      }
    });
  }

  function poll() {
    if (document.hidden) return;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) apply(data); })
      .catch(function () {});
  }

  window.setInterval(poll, 30000);
  document.addEventListener("visibilitychange", poll);
})();
