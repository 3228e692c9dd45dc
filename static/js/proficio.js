// Proficio's own behaviour, kept out of the HTML so that the Content-Security-Policy can forbid inline scripts.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset ? event.target.dataset.confirm : undefined;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

document.addEventListener("change", (event) => {
  const target = event.target;
  if (target.matches && target.matches("select[data-navigate]") && target.value) {
    window.location.assign(target.value);
  }
});

// The tree of a framework version: find competencies by code or name, open or close every area.
(() => {
  const tools = document.querySelector("[data-tree-tools]");
  if (!tools) {
    return;
  }
  const areas = Array.from(document.querySelectorAll("details.tree-area"));
  const search = tools.querySelector("[data-tree-search]");
  const count = tools.querySelector("[data-tree-count]");
  const empty = document.querySelector("[data-tree-empty]");
  const initialCount = count ? count.textContent : "";

  const filter = () => {
    const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    areas.forEach((area) => {
      let inArea = 0;
      // A word that names the area finds every competency in it ("risk" finds all of Risk Management).
      const areaText = area.querySelector("summary").textContent.toLowerCase();
      area.querySelectorAll("tr[data-search]").forEach((row) => {
        const text = `${areaText} ${row.dataset.search}`;
        const match = words.every((word) => text.includes(word));
        row.hidden = !match;
        inArea += match ? 1 : 0;
      });
      area.hidden = words.length > 0 && inArea === 0;
      const badge = area.querySelector("[data-area-count]");
      if (badge) {
        badge.textContent = words.length ? `${inArea} of ${badge.dataset.areaCount}` : badge.dataset.areaCount;
      }
      if (words.length > 0 && !area.hidden) {
        area.open = true;
      }
      shown += inArea;
    });
    if (count) {
      count.textContent = words.length ? `${shown} competenc${shown === 1 ? "y" : "ies"} found` : initialCount;
    }
    if (empty) {
      empty.classList.toggle("d-none", !(words.length && areas.every((area) => area.hidden)));
    }
  };
  search.addEventListener("input", filter);
  tools.querySelectorAll("[data-tree-toggle]").forEach((button) => {
    button.addEventListener("click", () => {
      areas.forEach((area) => {
        area.open = button.dataset.treeToggle === "open";
      });
    });
  });
  // Following a link to one competency (#competency-12) opens its area even if it was closed.
  const target = window.location.hash && document.getElementById(window.location.hash.slice(1));
  if (target && target.closest("details")) {
    target.closest("details").open = true;
  }
})();

// A table wider than the screen scrolls sideways inside its wrapper (or a pixel or two of it downwards). Keyboard users scroll it with the
// arrow keys once it has focus (WCAG 2.1.1), and a screen reader announces it by its table's caption; a
// wrapper that does not scroll stays out of the Tab order.
(() => {
  const wrappers = Array.from(document.querySelectorAll(".table-responsive"));
  if (!wrappers.length) {
    return;
  }
  const mark = () => {
    for (const wrapper of wrappers) {
      const scrolls = wrapper.scrollWidth > wrapper.clientWidth || wrapper.scrollHeight > wrapper.clientHeight;
      if (scrolls && !wrapper.hasAttribute("tabindex")) {
        const caption = wrapper.querySelector("caption");
        wrapper.setAttribute("tabindex", "0");
        wrapper.setAttribute("role", "region");
        wrapper.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table, scrolls sideways");
        wrapper.dataset.scrollFocus = "";
      } else if (!scrolls && wrapper.dataset.scrollFocus !== undefined) {
        ["tabindex", "role", "aria-label", "data-scroll-focus"].forEach((name) => wrapper.removeAttribute(name));
      }
    }
  };
  mark();
  window.addEventListener("resize", mark);
})();
