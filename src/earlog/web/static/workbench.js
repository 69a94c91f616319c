/* earlog workbench: the one piece of page script besides htmx.
   When an error about the deal comes back, select the offending text in the editor
   (its line and column are on the error box, as the terminal prints them). */
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function () {
    var err = document.querySelector("#result .error[data-line]");
    var deal = document.getElementById("deal");
    if (!err || !deal) { return; }
    var line = parseInt(err.getAttribute("data-line"), 10);
    var col = parseInt(err.getAttribute("data-col"), 10);
    var lines = deal.value.split("\n");
    if (!(line >= 1 && line <= lines.length && col >= 1)) { return; }
    var start = 0;
    for (var i = 0; i < line - 1; i++) { start += lines[i].length + 1; }
    start += Math.min(col - 1, lines[line - 1].length);
    var m = /^\S*/.exec(deal.value.slice(start));
    var end = start + Math.max(1, m ? m[0].length : 1);
    deal.focus();
    deal.setSelectionRange(start, end);
    var perLine = deal.scrollHeight / Math.max(1, lines.length);
    deal.scrollTop = Math.max(0, (line - 3) * perLine);
  });
})();
