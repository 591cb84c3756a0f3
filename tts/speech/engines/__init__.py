"""The speech engines, one module each, behind `base.Engine`: `edge` (Microsoft Edge's online
neural voices; `edge_voices` holds its EngineInfo and voice list without the network client)
and `espeak` (espeak-ng, offline). `tts.registry` lists them; nothing else names them."""
