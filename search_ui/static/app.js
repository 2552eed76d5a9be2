// Kavosh's progressive touches; the page works without them. Kept in a file so the CSP needs no 'unsafe-inline'.
(function () {
  "use strict";

  // Search-as-you-type: completions of the last word typed, from /api/suggest, offered through a <datalist>.
  var form = document.querySelector("form.search");
  var box = form && form.querySelector("input[name=q]");
  var list = document.getElementById("suggestions");
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
