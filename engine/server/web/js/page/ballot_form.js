// The ballot as a form, built from the election's manifest (egk's manifest.json): one fieldset per contest of the
// ballot style, in sequence order, a checkbox per option, the selection limit L (votes_allowed) enforced, and a
// text field for an option whose candidate is a write-in.

function candidateNames(manifest) {
  const names = new Map();
  for (const c of manifest.candidates || []) {
    const name = typeof c.name === "string" ? c.name : c.name?.text?.[0]?.value;
    names.set(c.object_id, { name: name || c.object_id, writeIn: Boolean(c.is_write_in) });
  }
  return names;
}

/** The contests of the first ballot style: [{id, title, subtitle, limit, options: [{id, label, writeIn}]}]. */
export function ballotContests(manifest) {
  const style = (manifest.ballot_styles || [])[0];
  const units = new Set(style?.geopolitical_unit_ids || []);
  const names = candidateNames(manifest);
  return (manifest.contests || [])
    .filter((c) => units.has(c.electoral_district_id))
    .sort((a, b) => a.sequence_order - b.sequence_order)
    .map((c) => ({
      id: c.object_id,
      title: c.ballot_title || c.name || c.object_id,
      subtitle: c.ballot_subtitle || "",
      limit: c.votes_allowed,
      referendum: c.vote_variation === "yes_no" || c.vote_variation === "referendum",
      options: [...c.ballot_selections]
        .sort((a, b) => a.sequence_order - b.sequence_order)
        .map((s) => {
          const candidate = names.get(s.candidate_id) || { name: s.candidate_id || s.object_id, writeIn: false };
          return { id: s.object_id, label: candidate.name, writeIn: candidate.writeIn };
        }),
    }));
}

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

/** Fill `form` with the contests; returns a function giving the marks {contestId: {selections, writeIn}}. */
export function renderBallot(form, contests) {
  form.replaceChildren();
  contests.forEach((contest, ci) => {
    const fieldset = element("fieldset", { "data-contest": contest.id });
    fieldset.append(element("legend", {}, contest.title));
    if (contest.subtitle) fieldset.append(element("p", { class: "hint" }, contest.subtitle));
    const hint = contest.limit === 1 ? "Choose one." : `Choose up to ${contest.limit}.`;
    const hintNode = element("p", { class: "hint", id: `limit-${ci}` }, hint);
    fieldset.append(hintNode);
    contest.options.forEach((option, oi) => {
      const id = `option-${ci}-${oi}`;
      const label = element("label", { class: "option", for: id });
      const box = element("input", { type: "checkbox", id, value: option.id, "aria-describedby": `limit-${ci}` });
      label.append(box, document.createTextNode(option.writeIn ? "Write-in" : option.label));
      fieldset.append(label);
      if (option.writeIn) {
        const text = element("input", { type: "text", id: `${id}-name`, "aria-label": "Write-in name", maxlength: "80" });
        text.dataset.writeInFor = option.id;
        fieldset.append(text);
      }
      box.addEventListener("change", () => {
        const checked = fieldset.querySelectorAll("input[type=checkbox]:checked");
        if (checked.length > contest.limit) {
          box.checked = false;
          hintNode.textContent = `${hint} You have already chosen ${contest.limit}: unmark one first.`;
        } else {
          hintNode.textContent = hint;
        }
      });
    });
    form.append(fieldset);
  });
  return () => {
    const marks = {};
    for (const fieldset of form.querySelectorAll("fieldset")) {
      const selections = [...fieldset.querySelectorAll("input[type=checkbox]:checked")].map((b) => b.value);
      const writeIn = [...fieldset.querySelectorAll("input[type=text]")]
        .filter((t) => selections.includes(t.dataset.writeInFor) && t.value.trim())
        .map((t) => t.value.trim())
        .join(", ");
      marks[fieldset.dataset.contest] = writeIn ? { selections, writeIn } : { selections };
    }
    return marks;
  };
}
