// The /verify page (verifier): send what was pasted or chosen, show the report. Nothing sent is parsed as HTML.
const ELEMENTS = [
  ["title", "Title / Tytuł"], ["learner", "Learner / Uczący się"], ["awarding_body", "Awarding body / Wydawca"],
  ["issuer_country", "Country / Kraj"], ["date_of_issue", "Date of issue / Data wydania"],
  ["learning_outcomes", "Learning outcomes / Efekty uczenia się"], ["ects", "Workload (ECTS) / Nakład pracy"],
  ["eqf_level", "EQF level / Poziom EQF"], ["iqr_codes", "IQR codes / Kody ZRK"],
  ["assessment", "Assessment / Walidacja"], ["participation", "Form of participation / Forma udziału"],
  ["quality_assurance", "Quality assurance / Zapewnianie jakości"], ["grade", "Grade / Ocena"],
];
const MARKS = { passed: "✓", failed: "✗", skipped: "–" };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) node.append(child);  // text is added as text: nothing sent is parsed as HTML
  return node;
}

function render(data) {
  const result = document.getElementById("result");
  result.replaceChildren();
  if (!data.report) {
    result.append(el("p", { class: "error", id: "problem" }, data.detail || data.title || "Something went wrong"));
    return;
  }
  const report = data.report;
  result.append(el("div", { class: "verdict " + (report.verified ? "ok" : "bad"), id: "verdict" },
    report.verified ? "✓ Verified / Zweryfikowane" : "✗ Not verified / Niezweryfikowane"));
  for (const credential of report.credentials) {
    const facts = credential.microcredential || {};
    const list = el("dl");
    for (const [key, label] of ELEMENTS) {
      let value = facts[key];
      if (value === null || value === undefined || (Array.isArray(value) && !value.length)) continue;
      if (Array.isArray(value)) value = value.join("; ");
      list.append(el("dt", {}, label), el("dd", { "data-element": key }, String(value)));
    }
    const checks = el("ul", { class: "checks" });
    for (const check of credential.checks) {
      const why = check.problem ? check.problem.title + ": " + check.problem.detail : (check.reason || check.detail || "");
      checks.append(el("li", { "data-check": check.id, "data-status": check.status },
        el("span", { class: "mark" }, MARKS[check.status]), check.id, el("div", { class: "why" }, why)));
    }
    result.append(el("article", { class: "badge" },
      el("h2", {}, facts.title || "A credential"), el("p", {}, "Issuer / Wydawca: " + (credential.issuer || "?")),
      list, el("h3", {}, "Checks / Kontrole"), checks));
  }
  result.setAttribute("data-done", "true");
}

document.getElementById("form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = document.getElementById("file").files[0];
  let body = document.getElementById("paste").value, type = "application/json";
  if (file) {
    body = await file.arrayBuffer();
    type = file.type || (file.name.endsWith(".png") ? "image/png" : "application/json");
  }
  const response = await fetch("v1/verifications", { method: "POST", headers: { "Content-Type": type }, body });
  render(await response.json());
});
