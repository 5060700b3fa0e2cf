"""The API's bodies, each declared once as a msgspec Struct: decoding, validation, encoding and
the OpenAPI schemas all come from these declarations."""
