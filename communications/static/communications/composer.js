// The message composer: show the fields the chosen kind needs, add and remove thread posts.
// Without JavaScript every field stays visible and the server still decides.
(function () {
  "use strict";
  var form = document.getElementById("composer");
  if (!form) { return; }

  function chosenKind() {
    var checked = form.querySelector("input[name=kind]:checked");
    return checked ? checked.value : "";
  }

  function showKindFields() {
    var kind = chosenKind();
    form.querySelectorAll("[data-kinds]").forEach(function (section) {
      section.hidden = section.getAttribute("data-kinds").split(" ").indexOf(kind) === -1;
    });
  }

  function renumberParts() {
    form.querySelectorAll("#parts [data-part]").forEach(function (part, index) {
      var number = String(index + 2);
      part.querySelector("[data-part-number]").textContent = number;
      part.querySelector("textarea").id = "part-" + number;
      part.querySelector("label").setAttribute("for", "part-" + number);
    });
  }

  function addPart() {
    var template = document.getElementById("part-template");
    var part = template.content.firstElementChild.cloneNode(true);
    document.getElementById("parts").appendChild(part);
    renumberParts();
    if (window.htmx) { window.htmx.process(part); }
    part.querySelector("textarea").focus();
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "kind") {
      showKindFields();
      if (chosenKind() === "thread" && !form.querySelector("#parts [data-part]")) { addPart(); }
    }
  });
  // The statement page's link, added at the end of the text (X counts any link as 23).
  function addLink(link) {
    var body = document.getElementById("id_body");
    var text = body.value.replace(/\s+$/, "");
    body.value = (text ? text + " " : "") + link;
    body.dispatchEvent(new Event("input", { bubbles: true }));
    body.focus();
  }

  form.addEventListener("click", function (event) {
    var link = event.target.closest("[data-add-link]");
    if (link) {
      addLink(link.getAttribute("data-add-link"));
    } else if (event.target.closest("[data-add-part]")) {
      addPart();
    } else if (event.target.closest("[data-remove-part]")) {
      event.target.closest("[data-part]").remove();
      renumberParts();
    }
  });
  // The live counter: each counted text is sent as "text" (hx-params keeps nothing else).
  document.body.addEventListener("htmx:configRequest", function (event) {
    var element = event.detail.elt;
    if (element.matches && element.matches("[data-counted]")) {
      event.detail.parameters.text = element.value;
    }
  });
  showKindFields();
})();
