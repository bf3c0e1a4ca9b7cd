"""The strategy tournament: competing stores' policy choices as an empirical game.

`plan` (who plays what), `runner` (run specs, frames -> game), `game` / `responses` /
`equilibria` (the game theory), `heatmap` and `section` (figures and report), `vocab` (its
words, EN / ZH) and `study` (the `Tournament` specialisation of `Study`)."""
