"""Coverage of needs by technical-assistance activities, in parts:

- ``counting``: which activities (current and planned) and which links (accepted, manual) count;
- ``words``: the words of texts in any language and the States of IATI regions;
- ``suggestions``: suggested links with confidence and reasons (``suggest_links``: reads,
  compares and writes; a run skipped when nothing changed), the reasons in the reader's
  language;
- ``matching``: the scoring of suggestions on plain data (weights, candidates, confidence);
- ``links``: a person's decisions (``link_decide``, ``link_create``);
- ``measures``: coverage of needs (``coverage_of``, registered with ``needs.scoring`` at
  start-up), counts by status and gaps;
- ``overlaps``: several providers doing the same thing for the same State at the same time;
- ``exports``: the overview's exports (``exporter_for``).
"""
