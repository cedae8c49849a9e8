// bidbridge: the user menu, the copy button and the pricing grid's keys. Everything works
// without it except copying (htmx, vendored, does the live saving).
(function () {
  "use strict";

  function setupUserMenu() {
    var button = document.getElementById("user-menu-button");
    var menu = document.getElementById("user-menu");
    if (!button || !menu) return;
    function setOpen(open) {
      menu.hidden = !open;
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    button.addEventListener("click", function (event) {
      event.stopPropagation();
      setOpen(menu.hidden);
      if (!menu.hidden) {
        var first = menu.querySelector("[role=menuitem]");
        if (first) first.focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (!menu.hidden && !menu.contains(event.target)) setOpen(false);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !menu.hidden) { setOpen(false); button.focus(); }
    });
  }

  function setupCopyButtons() {
    document.querySelectorAll("[data-copy-target]").forEach(function (button) {
      button.addEventListener("click", function () {
        var field = document.getElementById(button.getAttribute("data-copy-target"));
        var status = document.querySelector("[data-copy-status]");
        function done(text) {
          button.textContent = "Copied";
          if (status) status.textContent = text;
          setTimeout(function () { button.textContent = "Copy"; }, 2500);
        }
        function fallback() {
          // Older browsers or an insecure origin: select the text so Ctrl+C copies it.
          field.focus();
          field.select();
          done("Selected — press Ctrl+C (⌘C) to copy.");
        }
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(function () {
            done("The key is on your clipboard.");
          }, fallback);
        } else {
          fallback();
        }
      });
    });
  }

  // The pricing grid, like a spreadsheet: Enter or ArrowDown moves to the next price,
  // ArrowUp to the previous one (Tab still walks every field of the row).
  function setupPriceKeys() {
    document.addEventListener("keydown", function (event) {
      var field = event.target;
      if (!field.matches || !field.matches("input[data-price]")) return;
      var step = event.key === "Enter" || event.key === "ArrowDown" ? 1 : event.key === "ArrowUp" ? -1 : 0;
      if (!step) return;
      var prices = Array.prototype.slice.call(document.querySelectorAll("input[data-price]:not([disabled])"));
      var next = prices[prices.indexOf(field) + step];
      event.preventDefault();
      if (next) { next.focus(); next.select(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupUserMenu();
    setupCopyButtons();
    setupPriceKeys();
  });
})();
