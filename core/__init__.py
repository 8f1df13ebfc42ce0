"""What belongs to no domain: timestamps and money fields, French formatting, spreadsheets,
upload checks, private-file responses, the list filter/sort/page base and the form page.

The ground floor of the house: ``core`` imports no app of the project.
"""
