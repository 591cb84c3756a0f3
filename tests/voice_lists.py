"""Voice lists for casting tests: a fixed set of Edge voices that have stayed available, so
the tests do not move when the list shipped with the package is refreshed."""

from __future__ import annotations

from tts.model import VoiceInfo

EDGE_VOICES: tuple[VoiceInfo, ...] = tuple(
    VoiceInfo("edge", f"{locale}-{name}", locale, g)
    for locale, name, g in (
        ("zh-CN", "XiaoxiaoNeural", "Female"),
        ("zh-CN", "XiaoyiNeural", "Female"),
        ("zh-CN", "YunjianNeural", "Male"),
        ("zh-CN", "YunxiNeural", "Male"),
        ("zh-CN", "YunxiaNeural", "Male"),
        ("zh-CN", "YunyangNeural", "Male"),
        ("zh-CN-liaoning", "XiaobeiNeural", "Female"),
        ("zh-CN-shaanxi", "XiaoniNeural", "Female"),
        ("zh-TW", "HsiaoChenNeural", "Female"),
        ("zh-TW", "HsiaoYuNeural", "Female"),
        ("zh-TW", "YunJheNeural", "Male"),
        ("zh-HK", "HiuGaaiNeural", "Female"),
        ("zh-HK", "HiuMaanNeural", "Female"),
        ("zh-HK", "WanLungNeural", "Male"),
        ("en-US", "AriaNeural", "Female"),
        ("en-US", "AvaNeural", "Female"),
        ("en-US", "EmmaNeural", "Female"),
        ("en-US", "JennyNeural", "Female"),
        ("en-US", "MichelleNeural", "Female"),
        ("en-US", "AnaNeural", "Female"),
        ("en-US", "AndrewNeural", "Male"),
        ("en-US", "BrianNeural", "Male"),
        ("en-US", "ChristopherNeural", "Male"),
        ("en-US", "EricNeural", "Male"),
        ("en-US", "GuyNeural", "Male"),
        ("en-US", "RogerNeural", "Male"),
        ("en-US", "SteffanNeural", "Male"),
        ("en-GB", "LibbyNeural", "Female"),
        ("en-GB", "MaisieNeural", "Female"),
        ("en-GB", "SoniaNeural", "Female"),
        ("en-GB", "RyanNeural", "Male"),
        ("en-GB", "ThomasNeural", "Male"),
    )
)
"""Edge voices that have stayed available, in the shape the service lists them."""
