"""The data behind each page and the committee pack: one module per page or pack, pure
functions over a ``Source`` returning tables, figures and texts. No Streamlit."""
