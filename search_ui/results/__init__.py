"""What is made of the matches: snippets and highlights, did-you-mean and completions, filters with their
facets and sort, and Jalali dates."""
