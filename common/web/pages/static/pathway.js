// The pathway page's claim form: start a claim, then show the invitation to scan.
document.getElementById("claim").addEventListener("submit", async (event) => {
  event.preventDefault();
  const field = (id) => document.getElementById(id).value || null;
  const body = {email: field("email"), name: field("name")};
  const response = await fetch(event.target.dataset.claims, {method: "POST",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  const claim = await response.json();
  const qr = document.getElementById("qr");
  qr.replaceChildren();
  if (!response.ok) { qr.textContent = claim.detail; return; }
  const img = document.createElement("img"); img.src = claim.qr_svg_url; img.alt = qr.dataset.qr;
  const link = document.createElement("a"); link.href = claim.deep_link; link.textContent = qr.dataset.open;
  link.className = "button";
  qr.append(img, link);
});
