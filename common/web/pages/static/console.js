// Progressive enhancement only: every page works without it. An element with data-follow="URL" is a part
// of the page waiting for something (an offer being accepted, a cohort being issued): its HTML is fetched
// again every two seconds and swapped in, until the fragment says it is final (data-final on its root).
(function () {
  function follow(element) {
    var url = element.getAttribute("data-follow");
    var timer = setInterval(function () {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (answer) { return answer.ok ? answer.text() : null; })
        .then(function (html) {
          if (html === null) { return; }
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.firstElementChild;
          if (!fresh) { return; }
          element.replaceWith(fresh);
          element = fresh;
          if (fresh.hasAttribute("data-final")) { clearInterval(timer); }
        })
        .catch(function () {});
    }, 2000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-follow]").forEach(follow);
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();
