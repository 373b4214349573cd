"""Aides culture numérique: a bilingual directory of public funding for digital culture."""
