"""The assistant's writes, one module per capability, each function taking its actor:

- `help`: answering residents' questions and keeping them (scrubbed) for the catalogue;
- `triage`: training the report classifier and acting on its suggestions;
- `duplicates`: finding open reports of the same problem, following and merging them;
- `flags`: review flags on benefit-type applications.
"""
