"""The use cases of development plans, one module per part: drafting from gaps (`drafting`), the content
while it is a draft (`content`), the status flow with its signature (`flow`) and progress on the actions,
including what training completions and released cycles do by themselves (`progress`)."""
