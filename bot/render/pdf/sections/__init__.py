"""The PDF's sections, one module per group; each function draws into an IntakePDF.

The order they appear in is bot.render.pdf.render_intake_pdf's.
"""
