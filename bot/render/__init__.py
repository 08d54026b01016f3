"""Pure output formats: the provider summary, PDF, chart, FHIR/JSON documents.
Compiled intake in, text or bytes out."""
