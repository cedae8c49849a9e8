// bidbridge: the user menu and the copy button. Everything works without it except copying.
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

  document.addEventListener("DOMContentLoaded", function () {
    setupUserMenu();
    setupCopyButtons();
  });
})();
