"""Messages for people who write scenes, in Japanese (staff) and English.

The language follows kiosk_config.toml [language] default: "en" gives English, anything else Japanese.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "unknown_key": {"ja": "`{key}` は使えないキーです（使えるキー: {valid}）",
                    "en": "unknown key `{key}` (valid keys: {valid})"},
    "unknown_key_suggest": {"ja": "`{key}` は使えないキーです。`{suggest}` のまちがいではありませんか？",
                            "en": "unknown key `{key}`: did you mean `{suggest}`?"},
    "missing": {"ja": "`{key}` を書いてください（必須です）", "en": "`{key}` is required"},
    "cue_type_missing": {"ja": "キューに `type` がありません（{types} のどれか）",
                         "en": "the cue has no `type` (one of {types})"},
    "cue_type_unknown": {"ja": "キューの type = \"{value}\" は使えません（{types} のどれか）",
                         "en": "cue type \"{value}\" is unknown (one of {types})"},
    "cue_type_unknown_suggest": {"ja": "キューの type = \"{value}\" は使えません。\"{suggest}\" のまちがいではありませんか？（{types} のどれか）",
                                 "en": "cue type \"{value}\" is unknown: did you mean \"{suggest}\"? (one of {types})"},
    "choice": {"ja": "`{key}` = {value!r} は使えません。{choices} のどれかにしてください",
               "en": "`{key}` = {value!r} is not allowed: use one of {choices}"},
    "greater_than_equal": {"ja": "`{key}` = {value!r} は {bound} 以上にしてください",
                           "en": "`{key}` = {value!r} must be at least {bound}"},
    "greater_than": {"ja": "`{key}` = {value!r} は {bound} より大きくしてください",
                     "en": "`{key}` = {value!r} must be more than {bound}"},
    "less_than_equal": {"ja": "`{key}` = {value!r} は {bound} 以下にしてください",
                        "en": "`{key}` = {value!r} must be at most {bound}"},
    "less_than": {"ja": "`{key}` = {value!r} は {bound} より小さくしてください",
                  "en": "`{key}` = {value!r} must be less than {bound}"},
    "empty_text": {"ja": "`{key}` が空です", "en": "`{key}` is empty"},
    "no_cast": {"ja": "出演者（[[cast]]）が一人もいません", "en": "the scene has no cast ([[cast]])"},
    "list_length": {"ja": "`{key}` の要素の数がちがいます（{value!r}）", "en": "`{key}` has the wrong number of items ({value!r})"},
    "colour": {"ja": "`{key}` = {value!r} は \"#rrggbb\" の形の色で書いてください",
               "en": "`{key}` = {value!r} must be a colour written \"#rrggbb\""},
    "no_spaces": {"ja": "`{key}` = {value!r} には空白を入れないでください", "en": "`{key}` = {value!r} must not contain spaces"},
    "background": {"ja": "`background` = {value!r} は \"lobby\"、\"sky\"、\"studio\"、\"#rrggbb\"、[\"#上\", \"#下\"] のどれかです",
                   "en": "`background` = {value!r} must be \"lobby\", \"sky\", \"studio\", \"#rrggbb\" or [\"#top\", \"#bottom\"]"},
    "shape_xyz": {"ja": "`{key}` = {value!r} は [x, y, z]（3つの数、メートル）で書いてください",
                  "en": "`{key}` = {value!r} must be [x, y, z] (three numbers, metres)"},
    "shape_look_at": {"ja": "`{key}` = {value!r} は出演者の名前か [x, y, z] で書いてください",
                      "en": "`{key}` = {value!r} must be a cast name or [x, y, z]"},
    "shape_target": {"ja": "`{key}` = {value!r} は \"camera\"、\"left\"、\"right\"、出演者の名前、[x, y, z] のどれかです",
                     "en": "`{key}` = {value!r} must be \"camera\", \"left\", \"right\", a cast name or [x, y, z]"},
    "shape_resolution": {"ja": "`{key}` = {value!r} は [幅, 高さ]（例: [1280, 720]）で書いてください",
                         "en": "`{key}` = {value!r} must be [width, height], e.g. [1280, 720]"},
    "wrong_type": {"ja": "`{key}` は{expected}で書いてください（今は {value!r}）",
                   "en": "`{key}` must be {expected} (it is {value!r})"},
    "type_number": {"ja": "数値", "en": "a number"},
    "type_integer": {"ja": "整数", "en": "a whole number"},
    "type_text": {"ja": "\"文字列\"", "en": "\"text\" in quotes"},
    "type_bool": {"ja": "true か false", "en": "true or false"},
    "type_list": {"ja": "[ ] のリスト", "en": "a list [ ]"},
    "type_table": {"ja": "テーブル", "en": "a table"},
    "file_missing": {"ja": "ファイル {path} が見つかりません（{full}）", "en": "file {path} not found ({full})"},
    "file_kind": {"ja": "{path} は使えない種類のファイルです（{kinds}）", "en": "{path}: unsupported file type (use {kinds})"},
    "cast_twice": {"ja": "出演者の名前 `{name}` が二回使われています", "en": "cast name `{name}` is used twice"},
    "not_in_cast": {"ja": "`{name}` は出演者にいません（出演者: {cast}）", "en": "`{name}` is not in the cast (cast: {cast})"},
    "not_in_cast_suggest": {"ja": "`{name}` は出演者にいません。`{suggest}` のまちがいではありませんか？（出演者: {cast}）",
                            "en": "`{name}` is not in the cast: did you mean `{suggest}`? (cast: {cast})"},
    "camera_needs_target": {"ja": "カメラには position か look_at（出演者の名前）が必要です",
                            "en": "a camera cue needs a position or a look_at (a cast name)"},
    "shot_needs_person": {"ja": "position を省くときは look_at に出演者の名前を書いてください",
                          "en": "without a position, look_at must name a cast member"},
    "at_and_with_previous": {"ja": "`at` と `with_previous` は同時に使えません", "en": "use either `at` or `with_previous`, not both"},
    "overlap_line_same": {"ja": "{who} のセリフ（{start:.1f}〜{end:.1f}秒）が {other_line} 行目の {who} のセリフ（{other_start:.1f}〜{other_end:.1f}秒）と重なっています",
                          "en": "{who}'s line ({start:.1f}-{end:.1f} s) overlaps {who}'s line at line {other_line} ({other_start:.1f}-{other_end:.1f} s)"},
    "overlap_line": {"ja": "{who} のセリフ（{start:.1f}〜{end:.1f}秒）が {other_line} 行目の {other_who} のセリフ（{other_start:.1f}〜{other_end:.1f}秒）と重なっています（字幕が重なります）",
                     "en": "{who}'s line ({start:.1f}-{end:.1f} s) overlaps {other_who}'s line at line {other_line} ({other_start:.1f}-{other_end:.1f} s): their subtitles would collide"},
    "overlap": {"ja": "この {kind}（{start:.1f}〜{end:.1f}秒）が {other_line} 行目の {kind}（{other_start:.1f}〜{other_end:.1f}秒）と重なっています",
                "en": "this {kind} ({start:.1f}-{end:.1f} s) overlaps the {kind} at line {other_line} ({other_start:.1f}-{other_end:.1f} s)"},
    "kind_camera": {"ja": "カメラの動き", "en": "camera move"},
    "kind_gesture": {"ja": "ジェスチャー", "en": "gesture"},
    "kind_title": {"ja": "タイトル", "en": "title"},
    "kind_lower_third": {"ja": "テロップ", "en": "lower third"},
    "kind_music": {"ja": "音楽のフェード", "en": "music fade"},
    "after_end": {"ja": "このキュー（{start:.1f}秒から）はシーンの長さ duration = {duration} より後です",
                  "en": "this cue (from {start:.1f} s) starts after the scene's duration = {duration}"},
    "no_display": {"ja": "画面（ディスプレイ）がありません。動画にするには navigator scene render FILE -o OUT.mp4 を使ってください",
                   "en": "no display: to get a video, use navigator scene render FILE -o OUT.mp4"},
    "environment_failed": {"ja": "環境モデル {path} を読み込めませんでした（{reason}）。背景だけで再生します",
                           "en": "environment {path} could not be loaded ({reason}); playing on the background only"},
    "estimated": {"ja": "{path}: 注意: 音声合成が使えないため、セリフの長さは文字数からの見積もりです（{reason}）",
                  "en": "{path}: note: no speech engine, line lengths are estimated from the text ({reason})"},
    "ok": {"ja": "{path}: OK（{seconds:.1f}秒、キュー {cues} 個）", "en": "{path}: OK ({seconds:.1f} s, {cues} cues)"},
}


def message(lang: str, message_id: str, **values) -> str:
    """The message `key` in `lang` ("en" → English, else Japanese), (the id `message_id`) filled with `values`."""
    table = MESSAGES[message_id]
    return table["en" if lang == "en" else "ja"].format(**values)


def config_language(config) -> str:
    """The message language for a kiosk config: its [language] default "en" gives "en", anything else "ja"."""
    return "en" if config.language.default == "en" else "ja"
