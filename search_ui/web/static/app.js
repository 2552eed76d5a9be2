// Kavosh's progressive touches; the page works without them. Kept in a file so the CSP needs no 'unsafe-inline'.
(function () {
  "use strict";

  var form = document.querySelector("form.search");
  var box = form && form.querySelector("input[name=q]");
  var list = document.getElementById("suggestions");

  // The box is right to left (the page's language) unless its text starts with a left-to-right letter:
  // dir="auto" would make an empty box left to right (placeholder and caret on the wrong side).
  var direction = function (text) {
    var m = text.match(/[A-Za-z\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF]|[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/);
    return m && /[A-Za-z\u00C0-\u04FF]/.test(m[0]) ? "ltr" : "rtl";
  };
  if (box) {
    box.addEventListener("input", function () { box.dir = direction(box.value); });
    // Refining a query: the caret goes after the text, not before it (typing would otherwise prepend).
    if (box.hasAttribute("autofocus")) {
      box.focus();
      box.setSelectionRange(box.value.length, box.value.length);
    }
  }

  // Sort: choosing an order applies it at once (the button does the same without JavaScript).
  var sort = document.querySelector(".refine select[name=sort]");
  if (sort) sort.addEventListener("change", function () { sort.form.submit(); });

  // Search-as-you-type: completions of the last word typed, from /api/suggest, offered through a <datalist>.
  if (box && list && window.fetch) {
    var timer = null;
    var asked = "";
    var update = function () {
      var text = box.value;
      var word = (text.match(/[^\s«»"()+\-:*]*$/) || [""])[0];
      if (text === asked) return;
      asked = text;
      if (word.length < 2) {
        list.replaceChildren();
        return;
      }
      fetch(form.dataset.suggest + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) {
          if (box.value !== text) return; // the user has typed on; a newer request will answer
          var head = text.slice(0, text.length - word.length);
          list.replaceChildren.apply(list, data.suggestions.map(function (s) {
            var option = document.createElement("option");
            option.value = head + s;
            return option;
          }));
        })
        .catch(function () { list.replaceChildren(); });
    };
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 150);
    });
  }

  // A document page: bring the first match into view (links from the results already carry #first-match).
  var first = document.getElementById("first-match");
  if (first && !window.location.hash) first.scrollIntoView({ block: "center" });
})();
