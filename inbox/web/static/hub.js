// Keyboard shortcuts for the common moves. "r" opens the composer, "/" the filters, "g i" goes to the inbox.
(function () {
  "use strict";
  var last = "";
  document.addEventListener("keydown", function (event) {
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var composer = document.querySelector("#composer textarea");
    if (event.key === "r" && composer) {
      event.preventDefault();
      composer.focus();
    } else if (event.key === "/") {
      var filter = document.querySelector(".filters select");
      if (filter) { event.preventDefault(); filter.focus(); }
    } else if (event.key === "i" && last === "g") {
      window.location.href = "/";
    }
    last = event.key;
  });
})();
