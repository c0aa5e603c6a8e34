"""Recognise words aimed at the system rather than at city services (prompt injection)."""

from __future__ import annotations

import re

_PATTERNS = [
    # Japanese
    r"(指示|命令|ルール|設定|制約|プロンプト)(を|は)?(すべて|全部)?(無視|忘れ)",
    r"システム\s*プロンプト", r"(プロンプト|内部の?(指示|設定))(を|は)?(教え|見せ|表示|出力)",
    r"(開発者|デバッグ|管理者)モード", r"(脱獄|ジェイルブレイク)", r"(なりきって|ロールプレイ)",
    r"(あなた|きみ|君|お前)(は|って)(誰|だれ|何者|なにもの|AI|ロボット)", r"(誰|だれ)が(作|つく)った",
    # English
    r"\bignore\b.{0,30}\b(instructions?|rules|prompt|above|previous)\b", r"\bsystem\s+prompt\b",
    r"\b(developer|debug|admin|god)\s+mode\b", r"\bjailbreak", r"\byou\s+are\s+now\b", r"\bpretend\s+(to\s+be|you)\b",
    r"\b(reveal|show|print|repeat)\b.{0,20}\b(instructions?|prompt|configuration|rules)\b",
    r"\bforget\b.{0,20}\b(instructions?|rules|everything)\b", r"\bact\s+as\b", r"\bwho\s+(made|built|created)\s+you\b",
]
_INSTRUCTION = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)


def is_instruction(text: str) -> bool:
    """True when the visitor's words try to steer or probe the system itself."""
    return bool(_INSTRUCTION.search(text))


# Words that mark a request the city does not handle: shops and food, shopping, private
# subscriptions, entertainment, weather, medical advice, chit-chat with the kiosk itself.
# They veto only *weak* catalog evidence: 「ラーメン屋を予約したい」 is not a counter booking,
# but 「粗大ごみ処理券を買いたい」 is still oversized garbage.
_OFF_TOPIC = [
    r"(?<![部家])屋さん", r"(?<![部家茶])屋(を|に|が|は|で|って|の|、|$)", r"(お?店|レストラン|ランチ|カフェ|居酒屋|焼肉|ラーメン|寿司|スイーツ|グルメ)",
    r"(おいし|美味し|うまい)", r"(おすすめ|オススメ|人気の|ランキング)", r"(安く|格安|通販|セール|値段|売って(る|い))",
    r"(アマゾン|ネットフリックス|プライム会員|サブスク|携帯の契約|スマホの契約|ポイントカード)", r"業者",
    r"(天気|気温|降水|試合|優勝|映画|ライブ|コンサート|チケット|ゲーム|芸能|何曜日|なんようび)",
    r"(薬を飲|どの薬|熱(が|を|っぽ)|風邪|せきが|怪我|けがを|症状|病院を紹介)", r"(ジョーク|冗談|なぞなぞ|しりとり|歌って|何歳|なんさい|好きな食べ物)",
    r"\b(restaurants?|lunch|dinner|sushi|ramen|cafe|bars?|weather|games?|match|score|win|movies?|concerts?|tickets?)\b",
    r"\b(buy|cheap|shopping|shops?|netflix|amazon|recommend\w*|joke|sing)\b",
]
_OFF_TOPIC_CUE = re.compile("|".join(f"(?:{p})" for p in _OFF_TOPIC), re.IGNORECASE)


def off_topic_cue(text: str) -> str | None:
    """The word that marks `text` as a request outside city services, if any."""
    found = _OFF_TOPIC_CUE.search(text)
    return found.group(0) if found else None
