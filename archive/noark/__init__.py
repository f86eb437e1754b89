"""Writers for the Noark 5 v5.0 extraction files, one module per file.

The schemas are Arkivverket's (https://schema.arkivverket.no/N5/v5.0/,
maintained in github.com/arkivverket/schemas, N5/v5.0/). The specification
is a government work outside copyright (åndsverkloven § 9), so they ship in
`schemas/`: `schema_dir()` finds them (or the setting `NOARK_SCHEMA_DIR`),
the tests validate every file against them, and an extraction includes them.

`arkivuttrekk_template.xml` is Arkivverket's package-description template
(github.com/arkivverket/noark5-standard, `arkiv/Noark 5 v 5-arkivuttrekk_v5_0.xml`),
a government work outside copyright (åndsverkloven § 9, as that repository's
LICENCE says), copied unchanged.
"""
