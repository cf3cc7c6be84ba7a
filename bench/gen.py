#!/usr/bin/env python3
"""Generate a large synthetic mamoru policy, for benchmarking `mamoru check`.

    python3 bench/gen.py OUT_DIR --cases N [--seed S]

Writes a complete policy folder (manifest, stance, 15 definitions, a 4x3 grid with 14 conduct and
5 demand types, vocabulary, roles, scripts, 3 flows, aftercare, invariants, pages) and N case
studies in cases/. Every case's `expect` (verdict, flow, route) is computed here with the same
semantics as the compiler (SPEC.md "Semantics", src/eval.rs `assess` and `route`), so the policy
checks with 0 errors; the first cases are picked to cover every grid cell and every flow step, so
it also has 0 warnings when N is at least 30 (seeds 1-8 tried). Same seed, same N: same bytes.
Standard library only (Python 3.11).
"""

import argparse
import json
import random
import re
from pathlib import Path

# ---------------------------------------------------------------------------------------------
# The policy around the cases. Conditions are plain dicts, written out as YAML and also evaluated
# below, so what the cases expect always agrees with what the flows say.

THRESHOLDS = {
    "long_call": "60m", "same_claim": "30m", "repeats": 3, "warnings": 2, "hold": "3m",
    "step_limit": "15m", "cool_down": "15m", "record_within": "1h", "report_same_day": "1d",
    "care_interview": "3d", "weekly_review": "7d", "casebook_update": "30d",
}
CONDUCT = [
    ("c0", "通常の申し出", "落ち着いた口調で、事実や要望を伝えている。"),
    ("c1", "感情的・強い口調", "不満から語気が強まるなど感情的だが、相手を攻撃する言葉や脅しはない。"),
    ("c2", "執拗・高圧的・長時間", "同じ主張の繰り返し、高圧的な要求、長時間の応対など、担当者に大きな負担をかけている。"),
    ("c3", "暴力・脅迫・侮辱・差別・性的言動など", "要求の内容にかかわらず社会通念上許されない言動がある。"),
]
DEMAND = [
    ("d0", "妥当", "当社の商品・サービスに瑕疵や過失があり、求める内容も相当である。説明の求めや合理的配慮の申し出もここに入る。"),
    ("d1", "過大", "要求の根拠はあるが、補償の額や謝罪の方法など、求める程度が相当な範囲を超えている。"),
    ("d2", "不当・根拠なし", "当社に瑕疵や過失がない、または商品・サービスと関係のない要求である。"),
]
VERDICTS = [
    ("complaint", "正当なクレーム", "#2e7d32", "お客さまの大切な声として受け止め、事実を確認して解決策をご案内する。"),
    ("gray", "グレーゾーン", "#f9a825", "オペレーターひとりで判断せず、スーパーバイザーに相談して対応を決める。"),
    ("harassment", "カスタマーハラスメント", "#c62828", "言動の中止をお願いし、続く場合は警告のうえ応対を終了する。"),
]
GRID = {"c0": ["complaint", "complaint", "gray"], "c1": ["complaint", "gray", "gray"],
        "c2": ["gray", "harassment", "harassment"], "c3": ["harassment"] * 3}
# id, label, min_level, extra keys (verdict, independent_of_demand, when)
C3 = {"independent_of_demand": True}
CONDUCT_TYPES = [
    ("threat", "脅迫", "c3", {"verdict": "harassment", **C3}),
    ("abuse", "侮辱・暴言", "c3", C3),
    ("intimidation", "威嚇的な言動", "c3", C3),
    ("dogeza", "土下座の要求", "c3", C3),
    ("confinement", "拘束的な言動", "c3", C3),
    ("discrimination", "差別的な言動", "c3", C3),
    ("sexual", "性的な言動", "c3", {"verdict": "harassment", **C3}),
    ("personal-attack", "担当者個人への攻撃", "c3", C3),
    ("exposure", "やり取りの無断公開の予告", "c2", {"verdict": "harassment"}),
    ("prolonged", "長時間の拘束", "c2", {"when": {"minutes_at_least": "long_call"}}),
    ("repeated-claim", "同じ主張の繰り返し", "c2",
     {"when": {"minutes_at_least": "same_claim", "repeats_at_least": "repeats"}}),
    ("repeated-writing", "同じ趣旨の文書の反復送付", "c2",
     {"when": {"channel": ["email", "letter"], "repeats_at_least": "repeats"}}),
    ("pressure", "高圧的な要求", "c2", {}),
    ("raised-voice", "感情的な口調", "c1", {}),
]
DEMAND_TYPES = [
    ("no-defect-money", "瑕疵がない中での金銭要求", "d2"),
    ("unrelated-demand", "商品・サービスと関係のない要求", "d2"),
    ("staff-punishment", "担当者の処分の要求", "d2"),
    ("excessive-compensation", "過大な補償の要求", "d1"),
    ("excessive-apology", "過剰な謝罪の要求", "d1"),
]
EVENTS = [("resolved", "解決・合意した"), ("customer-calms", "お客さまが落ち着いた"),
          ("customer-continues", "注意・警告後も言動が続く"), ("danger", "危害の予告がある"),
          ("formal-notice", "内容証明などの正式な文書が届いた")]
CHANNELS = [("phone", "電話"), ("chat", "チャット"), ("email", "メール"), ("letter", "手紙・文書")]
TAGS = [("legal", "法的措置への言及"), ("media", "報道・SNSでの公開への言及"),
        ("police", "警察への言及"), ("accommodation", "合理的配慮が必要"),
        ("elderly", "高齢のお客さま")]
SPECIFIC = ["legal", "media", "police"]
ROLES = [
    ("operator", "オペレーター", "vendor", "一次の応対を担当する。録音告知、傾聴、事実確認、注意と警告を行う。"),
    ("sv", "スーパーバイザー", "vendor", "二次対応を担当する。グレーゾーンの判断、交代、最終警告と切電を行う。"),
    ("center-lead", "センター長", "vendor", "委託先センターの責任者。回答方針を決め、文書での警告を承認する。"),
    ("staff", "お客さまセンター 担当社員", "inhouse", "当社の社員。特定事案と委託先の権限を超える事案を引き受ける。"),
    ("legal", "法務部", "inhouse", "法的措置への言及や正式な文書への対応を判断し、警察への相談に同行する。"),
    ("pr", "広報部", "inhouse", "報道機関からの問い合わせやSNSでの公開への言及について、社外への発信を判断する。"),
    ("care", "人事・産業保健スタッフ", "inhouse", "被害を受けたスタッフとの面談と、産業医やカウンセラーへのつなぎを行う。"),
    ("lawyer", "顧問弁護士", "external", "内容証明や訴訟など、法的な手続きが見込まれる事案について助言する。"),
]
SCRIPTS = [
    ("recording-notice", "録音告知（通話の冒頭）", ["phone"],
     "お電話ありがとうございます。ベンチ電力 お客さまセンターでございます。\n"
     "お申し出の内容を正確に確認するため、この通話は録音させていただいております。\n"),
    ("caution", "注意（言動の中止のお願い）", ["phone"],
     "お困りの状況は承知しております。ただ、そのようなお言葉が続きますと、お話をうかがうことが難しくなります。\n"
     "お控えいただけますでしょうか。ご用件については、引き続き確認させていただきます。\n"),
    ("warning", "警告", ["phone"],
     "先ほどもお願いいたしましたが、同じようなお言葉が続いております。\n"
     "これ以上続く場合は、お電話を終了させていただきます。\n"),
    ("final-warning", "最終警告（スーパーバイザーが交代して行う）", ["phone"],
     "お電話を代わりました。責任者のスーパーバイザーでございます。\n"
     "これが最後のお願いです。お控えいただけない場合は、お電話を終了させていただきます。\n"),
    ("disconnect", "切電", ["phone"],
     "お控えいただけませんでしたので、これでお電話を終了させていただきます。\n"
     "本日のお申し出の内容は記録しております。失礼いたします。\n"),
    ("handover-staff", "当社社員への引き継ぎ", [],
     "お申し出の内容は、正確に記録いたしました。\n"
     "この件につきましては、当社の担当部署から改めてご連絡いたします。\n"),
    ("written-decline", "根拠のない要求をお断りする回答", ["email", "letter", "chat"],
     "ご指摘の件について社内で確認いたしましたが、当社の商品・サービスに不具合や手続きの誤りは確認できませんでした。\n"
     "誠に恐れ入りますが、ご要望の対応はいたしかねます。\n"),
    ("written-warning", "文書での警告・最終回答", ["email", "letter"],
     "このたびのお申し出につきましては、これまでにご回答申し上げたとおりであり、当社の回答に変更はございません。\n"
     "今後、同じ趣旨のご連絡が続く場合は、回答を差し控えさせていただきます。\n"),
    ("chat-warning", "チャットでの警告", ["chat"],
     "恐れ入りますが、担当者を傷つける表現はお控えください。\n"
     "このような表現が続く場合は、チャットを終了させていただきます。\n"),
]
NOT_SPECIFIC = {"not": {"tags": SPECIFIC}}


def step(id, role, title, do, **kw):
    return {"id": id, "role": role, "title": title, **kw, "do": do}


def when(to, **cond):
    return {"when": cond, "to": to}


FLOWS = [
    {"id": "phone", "title": "電話応対フロー",
     "describe": "電話でのお申し出に使うフローです。法的措置・報道・警察への言及がある場合は特定事案フローに従います。\n",
     "applies_to": {"channel": ["phone"], **NOT_SPECIFIC}, "start": "listen", "steps": [
         step("listen", "operator", "録音告知・傾聴と事実確認",
              "1. 通話の冒頭で録音告知を行い、ビジネスネームを名乗ります。\n"
              "2. お申し出を最後までさえぎらずに聞き、契約内容と応対履歴を確認します。\n"
              "3. 判断基準の二軸に照らして位置づけます。迷ったときはグレーゾーンとして扱います。\n",
              script="recording-notice", limit="step_limit", hold="hold",
              next=[when("emergency", event=["danger"]), when("resolve", verdict=["complaint"]),
                    when("sv-consult", verdict=["gray"]), {"otherwise": "caution"}]),
         step("emergency", "sv", "緊急時の引き継ぎと通報",
              "スーパーバイザーが通話を引き継ぎ、通話後{{record_within}}以内にセンター長と当社の社員へ報告します。\n",
              end="スーパーバイザーが通話を引き継ぎ、差し迫った危険があるときは110番へ通報する。"),
         step("resolve", "operator", "正当なクレームへの対応",
              "当社に非がある点を具体的に示してお詫びし、規定にもとづいて対応をご案内します。保留は1回{{hold}}までとします。\n",
              limit="step_limit", hold="hold",
              next=[when("close", event=["resolved"]), {"otherwise": "sv-consult"}]),
         step("close", "operator", "応対の完了", "ご案内した内容とお客さまの了承を応対履歴に記録します。\n",
              end="解決内容を応対履歴に記録して応対を終える。"),
         step("sv-consult", "sv", "スーパーバイザーへの相談と判断",
              "オペレーターは{{hold}}以内の保留でスーパーバイザーに状況を伝えます。スーパーバイザーは回答方針を決め、助言するか交代するかを決めます。\n",
              limit="step_limit", hold="hold",
              next=[when("sv-close", event=["resolved"]),
                    when("warn", event=["customer-continues"], **{"not": {"verdict": ["complaint"]}}),
                    {"otherwise": "lead-review"}]),
         step("sv-close", "sv", "スーパーバイザーによる完了確認",
              "判断の区分とその理由を応対履歴に記録し、要確認フラグを付けます。\n",
              end="スーパーバイザーが判断の理由を記録して応対を終える。"),
         step("lead-review", "center-lead", "センター長による回答方針の決定",
              "経緯と録音IDを受け取り、委託先の権限で回答できる範囲かどうかを決めます。\n", limit="step_limit",
              next=[when("staff-handover", demand_at_least="d1"), {"otherwise": "lead-close"}]),
         step("lead-close", "center-lead", "センター長による回答", "回答の内容とお客さまの反応を応対履歴に記録します。\n",
              end="センター長が決めた方針で折り返し回答する。"),
         step("staff-handover", "staff", "当社社員への引き継ぎ",
              "センター長は当日中に経緯、録音ID、逐語記録を当社の社員へ引き渡します。\n",
              script="handover-staff", end="当社の社員が事案を引き受け、会社としての回答を行う。"),
         step("caution", "operator", "言動の中止のお願い（注意）",
              "攻撃的な言葉に反論せず、言動をやめていただくよう落ち着いてお願いし、時刻と言葉をメモします。\n",
              script="caution",
              next=[when("warn", event=["customer-continues"]), {"otherwise": "sv-consult"}]),
         step("warn", "operator", "警告",
              "警告はオペレーターから{{warnings}}回までとし、警告した時刻とお客さまの言葉を記録します。\n",
              script="warning", repeat="warnings",
              next=[when("warn", event=["customer-continues"]), {"otherwise": "sv-takeover"}]),
         step("sv-takeover", "sv", "スーパーバイザーへの交代と最終警告",
              "スーパーバイザーが通話を代わり、これまでの経緯を踏まえて最終警告を行います。\n",
              script="final-warning", limit="step_limit",
              next=[when("sv-close", event=["customer-calms"]), {"otherwise": "disconnect"}]),
         step("disconnect", "sv", "切電",
              "切電の理由をお伝えしてから通話を終えます。担当者には{{cool_down}}以上の休憩を取ってもらいます。\n",
              script="disconnect", end="理由を告げて切電し、逐語記録と録音IDを残して当日中に報告する。"),
     ]},
    {"id": "written", "title": "メール・チャット・手紙の応対フロー",
     "describe": "メール、チャット、手紙でのお申し出に使うフローです。回答は会社の正式な回答として残ります。\n",
     "applies_to": {"channel": ["email", "chat", "letter"], **NOT_SPECIFIC}, "start": "receive", "steps": [
         step("receive", "operator", "受付と内容の確認",
              "受け付けた文面を書き換えずに保存し、判断基準の二軸に照らして位置づけます。チャットでは最初の返信までを{{step_limit}}以内とします。\n",
              limit="step_limit",
              next=[when("emergency", event=["danger"]), when("reply", verdict=["complaint"]),
                    {"otherwise": "sv-review"}]),
         step("emergency", "sv", "危害の予告への緊急対応",
              "文面を保存し、受信から{{record_within}}以内にセンター長と当社の社員へ報告します。返信はしません。\n",
              end="スーパーバイザーが直ちに報告し、差し迫った危険があるときは110番へ通報する。"),
         step("reply", "operator", "正当なクレームへの回答",
              "当社に非がある点を具体的にお詫びし、対応内容と時期を明記して回答します。\n", limit="step_limit",
              next=[when("done", event=["resolved"]), {"otherwise": "sv-review"}]),
         step("done", "operator", "応対の完了", "送った回答とお客さまの了承を応対履歴に記録します。\n",
              end="回答内容を応対履歴に記録して応対を終える。"),
         step("sv-review", "sv", "スーパーバイザーによる判断と回答方針",
              "スーパーバイザーが文面を読み、警告、お断り、社員への引き継ぎのいずれに進むかを決めます。\n",
              limit="step_limit",
              next=[when("chat-warning", verdict=["harassment"], channel=["chat"]),
                    when("written-warning", verdict=["harassment"]),
                    when("decline", demand_at_least="d2"), {"otherwise": "staff-reply"}]),
         step("chat-warning", "operator", "チャットでの警告",
              "スーパーバイザーの指示を受けて警告の文面を送ります。警告は{{warnings}}回までとします。\n",
              script="chat-warning", repeat="warnings",
              next=[when("chat-warning", event=["customer-continues"]),
                    when("sv-close", event=["customer-calms"]), {"otherwise": "chat-close"}]),
         step("chat-close", "sv", "チャットの終了", "終了の理由を伝える文面を送ってからチャットを閉じます。\n",
              end="スーパーバイザーの判断でチャットを終了し、当日中に報告する。"),
         step("sv-close", "sv", "スーパーバイザーによる完了確認",
              "判断の区分とその理由を応対履歴に記録し、要確認フラグを付けます。\n",
              end="スーパーバイザーが回答内容と判断の理由を確認して応対を終える。"),
         step("written-warning", "center-lead", "文書での警告・最終回答",
              "スーパーバイザーが文案を作り、センター長が承認してから送ります。\n", script="written-warning",
              next=[when("staff-reply", event=["customer-continues"]), {"otherwise": "lead-close"}]),
         step("lead-close", "center-lead", "センター長による対応の終了", "送付した文書の写しを応対履歴に保存します。\n",
              end="文書での警告・最終回答をもって対応を終える。"),
         step("decline", "sv", "根拠のない要求のお断り",
              "確認した事実と、要求に応じられない理由を短く具体的に書きます。\n", script="written-decline",
              next=[when("written-warning", event=["customer-continues"]), {"otherwise": "sv-close"}]),
         step("staff-reply", "staff", "当社社員による回答",
              "センター長は当日中に経緯と文面の全文を当社の社員へ引き渡します。\n", script="handover-staff",
              end="当社の社員が事案を引き受け、会社としての回答を行う。"),
     ]},
    {"id": "specific", "title": "特定事案フロー",
     "describe": "法的措置、報道やSNSでの公開、警察への言及がある特定事案に、すべての窓口で使うフローです。\n",
     "applies_to": {"tags": SPECIFIC}, "start": "receive", "steps": [
         step("receive", "operator", "発言の記録と受付",
              "発言を言葉どおりに記録し、その場で反論や約束はしません。報告のための保留は1回{{hold}}までとします。\n",
              limit="step_limit", hold="hold",
              next=[when("emergency", event=["danger"]), {"otherwise": "handover"}]),
         step("emergency", "sv", "緊急時の引き継ぎ",
              "スーパーバイザーが応対を引き継ぎ、{{record_within}}以内にセンター長と当社の社員へ報告します。\n",
              next=[{"otherwise": "staff-review"}]),
         step("handover", "sv", "社員への引き継ぎの案内",
              "当社の担当部署から改めて連絡する旨をお伝えし、{{record_within}}以内に記録を社員へ引き渡します。\n",
              script="handover-staff", limit="step_limit", next=[{"otherwise": "staff-review"}]),
         step("staff-review", "staff", "社員による事実確認と方針決定",
              "社員は記録と録音を確認し、事実関係と当社の責任の有無を整理します。\n",
              next=[when("legal-consult", tags=["legal", "police"]), {"otherwise": "pr-share"}]),
         step("legal-consult", "legal", "法務部への相談", "法務部は当社の法的な責任の有無と回答の方法を検討します。\n",
              next=[when("lawyer-consult", event=["formal-notice"]),
                    when("police-consult", event=["danger"]), {"otherwise": "staff-reply"}]),
         step("lawyer-consult", "lawyer", "顧問弁護士への相談", "顧問弁護士は届いた文書と記録をもとに助言します。\n",
              next=[{"otherwise": "staff-reply"}]),
         step("police-consult", "legal", "警察への相談", "法務部と社員が、所轄の警察署に記録と録音を示して相談します。\n",
              next=[{"otherwise": "staff-reply"}]),
         step("pr-share", "pr", "広報部との共有", "広報部は事実関係と当社の見解を整理し、社外への発信に備えます。\n",
              next=[{"otherwise": "staff-reply"}]),
         step("staff-reply", "staff", "社員による回答", "社員がお客さまへ連絡し、回答の内容と経過を記録します。\n",
              end="当社の社員が会社としての回答を行い、経過を記録する。"),
     ]},
]
INVARIANTS = [
    {"id": "specific-matters-to-staff", "text": "特定事案は、どの窓口で受けても必ず当社の社員が引き受ける。",
     "when": {"tags": SPECIFIC}, "reach_role": "staff"},
    {"id": "gray-to-sv", "text": "グレーゾーンの判断には必ずスーパーバイザーが関わる。",
     "when": {"verdict": ["gray"]}, "reach_role": "sv"},
    {"id": "harassment-to-sv", "text": "カスタマーハラスメントには必ずスーパーバイザーが関わる。",
     "when": {"verdict": ["harassment"]}, "reach_role": "sv"},
    {"id": "hold-limit", "text": "1回の保留は{{hold}}までとする。", "max_hold": "hold"},
    {"id": "step-limit", "text": "一つの手順にかける時間は{{step_limit}}までとする。", "max_limit": "step_limit"},
]
AFTERCARE = [
    ("verbatim-record", "operator", "record_within", "逐語記録と録音IDの保存",
     "応対の終了から{{record_within}}以内に、お客さまの発言を言葉どおり応対履歴に書き残します。"),
    ("flag", "sv", "record_within", "要確認フラグの付与",
     "グレーゾーンまたはカスタマーハラスメントと判断した応対には、{{record_within}}以内に要確認フラグを付けます。"),
    ("cool-down", "sv", "cool_down", "担当者の休憩と交代",
     "切電や警告を行った応対のあとは、担当者に{{cool_down}}以上の休憩を取ってもらいます。"),
    ("same-day-report", "center-lead", "report_same_day", "当日中の報告",
     "カスタマーハラスメントと特定事案は、{{report_same_day}}以内に当社の社員へ報告します。"),
    ("care-interview", "care", "care_interview", "面談とカウンセリングの案内",
     "被害を受けた担当者には、{{care_interview}}以内に面談の機会を設けます。"),
    ("weekly-review", "staff", "weekly_review", "週次レビュー",
     "要確認フラグの付いた応対を、{{weekly_review}}ごとに判断基準に照らして確認します。"),
    ("casebook", "staff", "casebook_update", "事例の共有",
     "週次レビューで取り上げた応対を、個人が特定できない形に直して{{casebook_update}}以内に事例へ加えます。"),
]
# id, term, reading, aliases, see_also, body
DEFINITIONS = [
    ("customer-harassment", "カスタマーハラスメント", "かすたまーはらすめんと", ["カスハラ"], ["complaint", "gray-zone"],
     "要求の内容に照らして、手段や態様が社会通念上相当な範囲を超え、働く人の就業環境を害するお客さまの言動をいいます。"),
    ("complaint", "正当なクレーム", "せいとうなくれーむ", [], ["customer-harassment"],
     "当社の商品・サービスの瑕疵や過失に対する、相当な方法による申し出です。口調が強くても正当なクレームです。"),
    ("gray-zone", "グレーゾーン", "ぐれーぞーん", [], ["customer-harassment", "second-line"],
     "正当なクレームともカスタマーハラスメントとも言い切れない申し出です。必ずスーパーバイザーが関わります。"),
    ("specific-matter", "特定事案", "とくていじあん", [], ["customer-harassment"],
     "法的措置、報道やSNSでの公開、警察への言及を含む事案です。必ず当社の社員が引き受けます。"),
    ("second-line", "二次対応", "にじたいおう", [], ["gray-zone"],
     "スーパーバイザーやセンター長が、オペレーターから引き継いで行う対応です。"),
    ("hold", "保留", "ほりゅう", [], ["second-line"],
     "通話をつないだまま、お客さまにお待ちいただくことです。1回の保留は{{hold}}以内とします。"),
    ("warning", "警告", "けいこく", [], ["disconnect"],
     "言動をやめていただくよう明確に求め、続く場合は応対を終了することを予告することです。"),
    ("disconnect", "切電", "せつでん", [], ["warning"],
     "こちらから通話を終了することです。理由をお伝えしてから終え、黙って切ることはしません。"),
    ("verbatim-record", "逐語記録", "ちくごきろく", [], ["flag"],
     "お客さまの発言を要約せず、使われた言葉のとおりに書き残した記録です。"),
    ("flag", "要確認フラグ", "ようかくにんふらぐ", [], ["weekly-review"],
     "判断を本社が確認するために、応対履歴に付ける印です。"),
    ("business-name", "ビジネスネーム", "びじねすねーむ", [], ["recording-notice"],
     "担当者が応対で名乗る業務上の名前です。本名や所属の詳細は伝えません。"),
    ("recording-notice", "録音告知", "ろくおんこくち", [], ["business-name"],
     "通話の冒頭で、通話を録音していることをお伝えすることです。"),
    ("aftercare", "事後対応", "じごたいおう", [], ["weekly-review"],
     "応対のあとに行う記録、報告、休憩、面談などの手順です。"),
    ("weekly-review", "週次レビュー", "しゅうじれびゅー", [], ["flag"],
     "要確認フラグの付いた応対を、当社の社員が毎週確認する場です。"),
    ("reasonable-accommodation", "合理的配慮", "ごうりてきはいりょ", [], ["complaint"],
     "障害のあるお客さまから申し出があったとき、過重な負担にならない範囲で行う対応の調整です。"),
]
STANCE = ("基本姿勢", [
    "お客さまの声には誠実に耳を傾け、正当なクレームには真摯に応える",
    "カスタマーハラスメントは許容せず、組織として毅然と対応する",
    "誰かひとりに抱え込ませず、必ずチームで判断し対応する",
], "ベンチ電力株式会社 お客さまセンターは、お客さまに誠実に向き合うことと、ここで働く一人ひとりを守ることを、"
   "同じ重さで大切にします。\n\n## 共通の基準で判断する\n\n行為と要求の二つの軸で事案を位置づけ、正当なクレーム、"
   "グレーゾーン、カスタマーハラスメントのいずれかを判断します。判断の理由は記録し、週次レビューで確かめます。\n\n"
   "## ひとりにしない\n\nグレーゾーンとカスタマーハラスメントには必ずスーパーバイザーが関わり、特定事案は必ず当社の社員が"
   "引き受けます。応対のあとは事後対応として休憩と面談の機会を用意します。\n")
PAGES = [
    ("about", "このマニュアルについて", 1,
     "このマニュアルは、`bench/gen.py` が性能計測のために生成した合成のポリシーです（{note}）。"
     "登場する会社、窓口、事例はすべて架空のものです。\n\n## 構成\n\n基本姿勢、用語、判断基準、対応フロー、事後対応、事例の順に読んでください。"
     "事例はそれぞれ、判断基準とフローのテストを兼ねています。\n"),
    ("contacts", "相談窓口", 2,
     "つらい言葉を受けたとき、判断に迷ったときは、ひとりで抱え込まずに相談してください。\n\n"
     "| 窓口 | 受け付けること |\n|---|---|\n| スーパーバイザー | 応対中の困りごと |\n"
     "| センター長 | スーパーバイザーに話しにくいこと |\n| 人事・産業保健スタッフ | 体調や気持ちの変化 |\n\n"
     "相談したことを理由に、評価や契約の上で不利益に扱うことはありません。\n"),
    ("faq", "よくある質問", 3,
     "## Q1. 大きな声のお客さまは、すべてカスタマーハラスメントですか。\n\nいいえ。口調だけでは判断しません。"
     "要求が妥当で攻撃的な言葉がなければ正当なクレームです。\n\n## Q2. 障害のあるお客さまから配慮を求められたら。\n\n"
     "合理的配慮の申し出は妥当な要求です。できる範囲を具体的にご案内してください。\n\n"
     "## Q3. 保留はどのくらいまでしてよいですか。\n\n1回{{hold}}までです。超えそうなときは折り返しをご提案します。\n"),
]

# ---------------------------------------------------------------------------------------------
# YAML output (block style; strings plain when safe, else JSON-quoted, multi-line as `|`).

PLAIN_BAD = re.compile(r"^[-?:,\[\]{}#&*!|>'\"%@`\s]|: | #|\s$|^(true|false|yes|no|on|off|null|~|[0-9.+-]+)$", re.I)


def scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return json.dumps(v, ensure_ascii=False) if PLAIN_BAD.search(v) or v == "" else v


def yaml(v, ind=0):
    pad = " " * ind
    out = []
    if isinstance(v, dict):
        for k, x in v.items():
            if isinstance(x, str) and "\n" in x:
                body = "".join(pad + "  " + line + "\n" if line else "\n" for line in x.rstrip("\n").split("\n"))
                out.append(f"{pad}{k}: |\n{body}")
            elif isinstance(x, list) and all(isinstance(i, str) and "\n" not in i for i in x):
                out.append(f"{pad}{k}: [{', '.join(scalar(i) for i in x)}]\n")
            elif isinstance(x, (dict, list)):
                out.append(f"{pad}{k}:\n{yaml(x, ind + 2)}")
            else:
                out.append(f"{pad}{k}: {scalar(x)}\n")
    else:
        for x in v:
            item = yaml(x, ind + 2) if isinstance(x, (dict, list)) else pad + "  " + scalar(x) + "\n"
            out.append(pad + "- " + item[ind + 2:])
    return "".join(out)


def front(matter, body):
    return f"---\n{yaml(matter)}---\n{body}"

# ---------------------------------------------------------------------------------------------
# Semantics, as in src/eval.rs: a contact's verdict (`assess`), its flow and its route.


def seconds(ref):
    ref = THRESHOLDS.get(ref, ref)
    return int(ref[:-1]) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[ref[-1]]


def count(ref):
    return THRESHOLDS.get(ref, ref) if isinstance(ref, str) else ref


CIDX = {c[0]: i for i, c in enumerate(CONDUCT)}
DIDX = {d[0]: i for i, d in enumerate(DEMAND)}
VIDX = {v[0]: i for i, v in enumerate(VERDICTS)}


def holds(c, ct):
    """`ct`: channel, tags, events, minutes, repeats, and once assessed ctypes, dtypes, conduct,
    demand, verdict."""
    checks = {
        "channel": lambda x: ct["channel"] in x,
        "tags": lambda x: bool(set(x) & ct["tags"]),
        "event": lambda x: bool(set(x) & ct["events"]),
        "minutes_at_least": lambda x: ct["minutes"] * 60 >= seconds(x),
        "repeats_at_least": lambda x: ct["repeats"] >= count(x),
        "conduct_types": lambda x: bool(set(x) & ct["ctypes"]),
        "demand_types": lambda x: bool(set(x) & ct["dtypes"]),
        "verdict": lambda x: ct["verdict"] in x,
        "conduct_at_least": lambda x: CIDX[ct["conduct"]] >= CIDX[x],
        "demand_at_least": lambda x: DIDX[ct["demand"]] >= DIDX[x],
        "not": lambda x: not holds(x, ct),
    }
    return all(checks[k](x) for k, x in c.items())


def assess(f):
    """Effective levels and verdict: the highest of the given level and the types' `min_level`,
    the grid cell, raised by the most severe override."""
    ctypes = [t for t in CONDUCT_TYPES if t[0] in f["conduct_types"] or
              ("when" in t[3] and holds(t[3]["when"], f))]
    dtypes = [t for t in DEMAND_TYPES if t[0] in f["demand_types"]]
    conduct = max([f["conduct"]] + [t[2] for t in ctypes], key=CIDX.get)
    demand = max([f["demand"]] + [t[2] for t in dtypes], key=DIDX.get)
    cell = GRID[conduct][DIDX[demand]]
    verdict = max([cell] + [t[3]["verdict"] for t in ctypes if "verdict" in t[3]], key=VIDX.get)
    return {**f, "ctypes": {t[0] for t in ctypes}, "dtypes": {t[0] for t in dtypes},
            "conduct": conduct, "demand": demand, "cell": cell, "verdict": verdict}


def route(flow, ct):
    """From `start`, take the first branch whose `when` holds; a branch into a `repeat` step
    already entered that many times does not hold."""
    steps = {s["id"]: s for s in flow["steps"]}
    visits, out, at = {}, [], flow["start"]
    while True:
        out.append(at)
        visits[at] = visits.get(at, 0) + 1
        s = steps[at]
        if "end" in s:
            return out
        for b in s["next"]:
            to = b.get("to") or b["otherwise"]
            if "repeat" in steps[to] and visits.get(to, 0) >= count(steps[to]["repeat"]):
                continue
            if holds(b.get("when", {}), ct):
                at = to
                break
        else:
            raise AssertionError(f"stuck at {at}")

# ---------------------------------------------------------------------------------------------
# Case studies: sample facts, compute the outcome, write a body that tells the same story.


TOPICS = [  # what the contact is about, the valid request, an extra detail
    ("電気料金の請求額", "先月の電気料金の請求額が前年の同じ月の2倍近くになっていると申し出た", "請求の内訳と検針値の再確認を求めた",
     "検針値の記録と使用量の推移を確認したところ、暖房器具の使用が増えた時期と重なっていた。"),
    ("停電の復旧", "台風の影響で自宅周辺の停電が半日続いたことに不満を述べた", "復旧の見通しと経緯の説明を求めた",
     "送配電事業者の公表資料で、復旧作業の経過と地域ごとの復旧時刻を確認した。"),
    ("引っ越しの手続き", "転居先で電気が使えず、手続きが反映されていなかったと申し出た", "当日中の使用開始を求めた",
     "応対履歴を確認すると、受付時に入力した使用開始日に誤りがあった。"),
    ("口座振替の二重引き落とし", "同じ月の料金が二回引き落とされていると申し出た", "重複分の返金を求めた",
     "収納記録を確認したところ、システムの切り替え時に二重に請求していたことが分かった。"),
    ("スマートメーターの交換工事", "交換工事の日時が事前に知らされていなかったと申し出た", "工事の経緯の説明を求めた",
     "工事の案内は投函されていたが、集合住宅の掲示が遅れていたことが分かった。"),
    ("料金プランの変更", "勧められたプランに変えたら料金が上がったと申し出た", "元のプランへの変更と説明を求めた",
     "変更時の説明記録を確認したところ、夜間の使用量が少ない場合の注意点を伝えていなかった。"),
    ("ガスの開栓の立ち会い", "開栓の立ち会いの時間帯に作業員が来なかったと申し出た", "立ち会いの再調整を求めた",
     "作業の予定表を確認すると、担当の協力会社への連絡が漏れていた。"),
    ("ポイントの付与", "キャンペーンのポイントが付与されていないと申し出た", "付与の状況の確認を求めた",
     "キャンペーンの条件を確認したところ、申し込みの期限を過ぎていたことが分かった。"),
    ("解約の手続き", "解約の申し込み後も請求が続いていると申し出た", "請求の停止と説明を求めた",
     "解約の受付記録を確認し、手続きの完了日と最終の請求の関係を整理した。"),
    ("アプリのログイン", "会員アプリにログインできず、使用量が確認できないと申し出た", "ログインできない原因の確認を求めた",
     "アプリの障害情報を確認すると、前日の夜からの不具合が公表されていた。"),
    ("訪問点検の日程", "ガス機器の点検の案内が何度も届き、日程が合わないと申し出た", "点検日の変更を求めた",
     "点検は法令で定められたもので、日程の変更は受け付けられることを確認した。"),
    ("契約名義の変更", "家族の契約を引き継ぐ手続きが分かりにくいと申し出た", "必要な書類の説明を求めた",
     "名義変更に必要な書類と、郵送とウェブのどちらでも手続きできることを確認した。"),
    ("太陽光発電の買取", "売電の買取額の振り込みが遅れていると申し出た", "振り込み日の確認を求めた",
     "買取の精算記録を確認すると、検針日の関係で振り込みが翌月になっていた。"),
    ("省エネ相談の予約", "省エネ相談の予約が取り消されていたと申し出た", "予約の取り直しを求めた",
     "予約システムの記録を確認すると、受付の担当者が誤って取り消していた。"),
]
CHANNEL_WORD = {"phone": "電話", "chat": "チャット", "email": "メール", "letter": "手紙"}
CONDUCT_TEXT = {
    "threat": ["「家まで行くぞ」「ただでは済まさない」と述べた。", "「夜道に気をつけろ」と危害をほのめかした。"],
    "abuse": ["担当者に「無能」「役立たず」と繰り返し述べた。", "「バカじゃないのか」と担当者を罵倒した。"],
    "intimidation": ["怒鳴り声で「わかってるんだろうな」と凄んだ。", "物を叩く音を聞かせながら返答を迫った。"],
    "dogeza": ["「土下座して謝れ」と求めた。", "屈辱的な方法での謝罪を重ねて求めた。"],
    "confinement": ["「切ったら許さない」と述べ、応対の終了を認めなかった。", "「返事をするまで閉じるな」と書き込み続けた。"],
    "discrimination": ["担当者の話し方や年齢をあげつらう発言を繰り返した。", "担当者の出身を理由におとしめる言葉を述べた。"],
    "sexual": ["担当者の容姿や私生活について性的な発言をした。", "担当者を個人的な食事に誘う発言を繰り返した。"],
    "personal-attack": ["担当者の本名と勤務地を執拗に尋ねた。", "担当者を名指しで非難する文面を送り続けた。"],
    "exposure": ["やり取りを録音しており、担当者の声を動画サイトに公開すると告げた。",
                 "画面を撮影してSNSに公開すると繰り返し告げた。"],
    "pressure": ["「今すぐ決めろ」「上を出せ」と即答を強く迫り続けた。", "回答期限を一方的に指定し、上位者への交代を強く求めた。"],
    "raised-voice": ["不満から声が大きくなり、語気も強かった。", "強い口調で不満を述べたが、攻撃的な言葉はなかった。"],
}
DEMAND_TEXT = {
    "excessive-compensation": ["1年分の基本料金の免除を求めた", "規定を大きく超える慰謝料を求めた"],
    "excessive-apology": ["役員の署名入りの謝罪文と自宅での謝罪を求めた", "新聞への謝罪広告の掲載を求めた"],
    "no-defect-money": ["当社に誤りがないにもかかわらず返金と商品券を求めた", "根拠のない迷惑料の支払いを求めた"],
    "unrelated-demand": ["隣家との境界をめぐるトラブルの仲裁を求めた", "他社の工事の騒音への対応を求めた"],
    "staff-punishment": ["担当者を辞めさせるよう求めた", "担当者の処分と、担当者個人からの謝罪を求めた"],
    "d1": ["規定を超える補償を求めた"], "d2": ["根拠の確認できない返金を求めた"],
}
TAG_TEXT = {
    "legal": "「弁護士に相談して訴える」と述べた。", "media": "「SNSに書き込む」「新聞社に知らせる」と述べた。",
    "police": "「警察に通報する」と述べた。",
    "accommodation": "聴覚に障害があり、やり取りを文字で残してほしいとの申し出があった。",
    "elderly": "顧客Aは高齢で、説明を何度か聞き返していた。",
}
ROUTE_TEXT = {
    ("phone", "listen"): ["オペレーターBは録音告知を行い、ビジネスネームを名乗ったうえで経緯を確認した。",
                          "オペレーターBは録音告知ののち、お申し出を最後まで聞いて事実関係を確認した。"],
    ("phone", "emergency"): "危害の予告があったため、スーパーバイザーが通話を引き継ぎ、センター長と当社の社員へ直ちに報告した。",
    ("phone", "resolve"): ["当社の非がある点を具体的にお詫びし、規定にもとづく対応をご案内した。",
                           "確認した事実をお伝えし、できることとできないことを具体的にご案内した。"],
    ("phone", "close"): "顧客Aは案内に納得し、オペレーターBは内容を応対履歴に記録して応対を終えた。",
    ("phone", "sv-consult"): ["オペレーターBは保留のうえスーパーバイザーに相談し、回答方針の助言を受けた。",
                              "スーパーバイザーが判断基準に照らして位置づけを確認し、回答方針を決めた。"],
    ("phone", "sv-close"): "スーパーバイザーが判断の理由を記録し、要確認フラグを付けて応対を終えた。",
    ("phone", "lead-review"): "その場では解決に至らず、センター長が経緯と録音を確認して回答方針を決めた。",
    ("phone", "lead-close"): "センター長の指示で折り返し回答を行い、経緯を応対履歴に記録した。",
    ("phone", "staff-handover"): "会社としての判断が必要な要求であるため、当日中に当社の社員へ引き継いだ。",
    ("phone", "caution"): ["オペレーターBは言動の中止をお願いし、お願いした時刻と言葉を記録した。",
                           "オペレーターBは反論せずに受け止め、言動をやめていただくよう落ち着いてお願いした。"],
    ("phone", "warn"): "言動が続いたため、オペレーターBは{n}回警告した。",
    ("phone", "sv-takeover"): "スーパーバイザーが交代して最終警告を行った。",
    ("phone", "disconnect"): "それでも言動が続いたため、理由を告げて切電した。",
    ("written", "receive"): ["オペレーターBは受け付けた文面をそのまま保存し、契約内容と応対履歴を確認した。",
                             "オペレーターBは文面を保存し、判断基準の二軸に照らして位置づけた。"],
    ("written", "emergency"): "文面に危害の予告があったため、スーパーバイザーが返信を止め、センター長と当社の社員へ報告した。",
    ("written", "reply"): ["当社の誤りを具体的にお詫びし、対応内容と時期を明記して回答した。",
                           "確認した事実と今後の対応の時期を、短い文で分かりやすく回答した。"],
    ("written", "done"): "顧客Aから了承の返信があり、応対を完了した。",
    ("written", "sv-review"): ["スーパーバイザーが文面を読み、判断基準に照らして回答方針を決めた。",
                               "スーパーバイザーが位置づけを確認し、次の対応を決めた。"],
    ("written", "chat-warning"): "スーパーバイザーの指示で、チャットで{n}回警告の文面を送った。",
    ("written", "chat-close"): "それでも続いたため、スーパーバイザーの判断でチャットを終了した。",
    ("written", "sv-close"): "スーパーバイザーが判断の理由を記録し、要確認フラグを付けて応対を終えた。",
    ("written", "written-warning"): "センター長の承認を得て、文書での警告と最終回答を送った。",
    ("written", "lead-close"): "その後同じ趣旨の連絡はなく、センター長が対応を終えた。",
    ("written", "decline"): "確認した事実と応じられない理由を短く書いて、要求をお断りした。",
    ("written", "staff-reply"): "委託先の権限を超える判断が必要なため、当社の社員へ引き継いだ。",
    ("specific", "receive"): "オペレーターBは発言を言葉どおり記録し、その場での反論や約束は控えた。",
    ("specific", "emergency"): "危害の予告があったため、スーパーバイザーが応対を引き継いだ。",
    ("specific", "handover"): "スーパーバイザーが、当社の担当部署から改めて連絡する旨をお伝えした。",
    ("specific", "staff-review"): "当社の社員が記録と録音を確認し、事実関係を整理した。",
    ("specific", "legal-consult"): "法務部が当社の責任の有無と回答の方法を検討した。",
    ("specific", "lawyer-consult"): "内容証明が届いたため、顧問弁護士に助言を求めた。",
    ("specific", "police-consult"): "危害の予告について、法務部と社員が所轄の警察署に相談した。",
    ("specific", "pr-share"): "SNSでの公開に備えて、広報部と事実関係を共有した。",
    ("specific", "staff-reply"): "社員が会社としての回答を行い、経過を記録した。",
}
FILLERS = [
    "応対後、オペレーターBには休憩を取ってもらい、体調を確認した。",
    "応対の内容は逐語記録として応対履歴に残した。",
    "この事例は週次レビューで取り上げ、判断の理由を各センターと共有した。",
    "振り返りでは、判断基準の二軸に沿って位置づけを確認することの大切さを話し合った。",
    "事後対応として、センター長が当日の応対の経緯を確認した。",
    "同じような申し出に備えて、説明の順番と言い回しをまとめ直した。",
    "担当者がひとりで抱え込まないよう、スーパーバイザーが応対の途中で声をかけた。",
]
DERIVED_WHY = {  # types implied by the facts, with the thresholds that imply them
    "prolonged": "応対が{{long_call}}以上に及んでおり、「長時間の拘束」に当たる。",
    "repeated-claim": "同じ主張を{{repeats}}回以上繰り返して{{same_claim}}以上続いており、「同じ主張の繰り返し」に当たる。",
    "repeated-writing": "同じ趣旨の文書が{{repeats}}回以上届いており、「同じ趣旨の文書の反復送付」に当たる。",
}
C3_BY_CHANNEL = {
    "phone": ["threat", "abuse", "intimidation", "dogeza", "confinement", "discrimination", "sexual", "personal-attack"],
    "chat": ["threat", "abuse", "dogeza", "confinement", "discrimination", "sexual", "personal-attack"],
    "email": ["threat", "abuse", "dogeza", "discrimination", "personal-attack"],
    "letter": ["threat", "abuse", "dogeza", "discrimination", "personal-attack"],
}
TYPES = {t[0]: t for t in CONDUCT_TYPES + [(*d, {}) for d in DEMAND_TYPES]}
LABEL = {x[0]: x[1] for x in CONDUCT + DEMAND + VERDICTS}


def pick(rng, x):
    return rng.choice(x) if isinstance(x, list) else x


def sample_facts(rng):
    ch = rng.choices(["phone", "chat", "email", "letter"], [45, 20, 25, 10])[0]
    tags = set()
    if rng.random() < 0.12:
        tags.add(rng.choice(SPECIFIC))
    for t, p in (("accommodation", 0.06), ("elderly", 0.08)):
        if rng.random() < p:
            tags.add(t)
    level = rng.choices(["c0", "c1", "c2", "c3"], [30, 35, 15, 20])[0]
    ctypes = []
    if level == "c3":
        ctypes = rng.sample(C3_BY_CHANNEL[ch], rng.choice([1, 1, 2]))
    elif level == "c2":
        ctypes = [rng.choice(["pressure", "pressure", "exposure"])]
    elif level == "c1" and rng.random() < 0.7:
        ctypes = ["raised-voice"]
    if ctypes and rng.random() < 0.2:  # observed milder than the type it shows
        level = "c" + str(max(0, CIDX[level] - 1))
    if "exposure" in ctypes and rng.random() < 0.5:
        tags.add("media")
    dlevel = rng.choices(["d0", "d1", "d2"], [45, 30, 25])[0]
    dtypes = []
    if dlevel != "d0" and rng.random() < 0.8:
        dtypes = [rng.choice([d[0] for d in DEMAND_TYPES if d[2] == dlevel])]
        if rng.random() < 0.1:
            dlevel = "d0"
    minutes = {"phone": rng.choice([rng.randint(3, 25), rng.randint(20, 45), rng.randint(50, 150)]),
               "chat": rng.randint(5, 70), "email": 0, "letter": 0}[ch]
    repeats = rng.choice([0, 0, 1, 2, 3, 4, 6])
    return {"channel": ch, "conduct": level, "demand": dlevel, "conduct_types": sorted(ctypes),
            "demand_types": dtypes, "tags": tags, "minutes": minutes, "repeats": repeats}


def sample_events(rng, a):
    ev = set(rng.choices(
        [(), ("resolved",), ("customer-calms",), ("customer-continues",), ("customer-continues", "customer-calms")],
        {"complaint": [3, 7, 0, 0, 0], "gray": [1, 3, 2, 3, 1], "harassment": [1, 1, 2, 4, 2]}[a["verdict"]])[0])
    if rng.random() < (0.3 if "threat" in a["ctypes"] else 0.02):
        ev.add("danger")
    if "legal" in a["tags"] and rng.random() < 0.4:
        ev.add("formal-notice")
    return ev


def outcome(f):
    a = assess(f)
    flows = [fl for fl in FLOWS if holds(fl["applies_to"], a)]
    assert len(flows) == 1, (f, flows)
    return a, flows[0]["id"], route(flows[0], a)


def body(rng, f, a, flow, steps, topic):
    subject, situation, ask, detail = topic
    if a["demand"] == "d2":  # the topic's detail may admit a defect; a d2 demand has none
        detail = "記録を確認したが、当社の手続きや請求に誤りは見つからなかった。"
    story = [f"顧客Aから{CHANNEL_WORD[f['channel']]}で、{subject}について連絡があった。顧客Aは{situation}。"]
    dt = f["demand_types"] or ([f["demand"]] if f["demand"] != "d0" else [])
    story.append(f"顧客Aは{pick(rng, DEMAND_TEXT[dt[0]]) if dt else ask}。")
    story += [pick(rng, CONDUCT_TEXT[t]) for t in f["conduct_types"]]
    if "prolonged" in a["ctypes"]:
        story.append(f"応対は{f['minutes']}分に及んだ。")
    if "repeated-claim" in a["ctypes"]:
        story.append(f"回答を終えた同じ主張を{f['repeats']}回繰り返し、応対は{f['minutes']}分続いた。")
    if "repeated-writing" in a["ctypes"]:
        story.append(f"回答済みの件について、同じ趣旨の{CHANNEL_WORD[f['channel']]}を{f['repeats']}回送ってきた。")
    story += [TAG_TEXT[t] for t in sorted(f["tags"])]
    why = [f"要求は{LABEL[a['demand']]}（{a['demand']}）、行為は{LABEL[a['conduct']]}（{a['conduct']}）に当たる。"]
    for t in sorted(a["ctypes"]):
        raised = CIDX[TYPES[t][2]] > CIDX[f["conduct"]] and TYPES[t][2] == a["conduct"]
        if t in DERIVED_WHY and TYPES[t][2] == a["conduct"]:
            why.append(DERIVED_WHY[t] + (f"行為は{f['conduct']}から{a['conduct']}に引き上げられる。" if raised else ""))
        elif raised:
            why.append(f"「{TYPES[t][1]}」に当たるため、行為は{f['conduct']}から{a['conduct']}に引き上げられる。")
    for t in f["demand_types"]:
        if DIDX[TYPES[t][2]] > DIDX[f["demand"]]:
            why.append(f"「{TYPES[t][1]}」に当たるため、要求は{f['demand']}から{a['demand']}となる。")
    if a["verdict"] != a["cell"]:
        why.append(f"判断基準の表では{LABEL[a['cell']]}だが、この類型は{LABEL[a['verdict']]}として扱う。")
    why.append(f"判断基準上は{LABEL[a['verdict']]}である。")
    if f["tags"] & set(SPECIFIC):
        why.append("法的措置・報道・警察への言及があるため、特定事案として扱う。")
    if "accommodation" in f["tags"]:
        why.append("文字でのやり取りの希望は合理的配慮の申し出であり、妥当な要求として受け止める。")
    done = []
    for s in dict.fromkeys(steps):
        done.append(pick(rng, ROUTE_TEXT[(flow, s)]).format(n=steps.count(s)))
    parts = [["## 経緯", story], ["## 判断のポイント", why], ["## 望ましい対応", done]]
    target = rng.randint(320, 560)
    extra = [detail] + rng.sample(FILLERS, 3)
    text = lambda: "\n\n".join(h + "\n\n" + "".join(p) for h, p in parts) + "\n"
    while extra and len(text()) < target:
        (parts[0][1] if extra[0] is detail else parts[2][1]).append(extra.pop(0))
    return text()


def title(rng, f, a, topic):
    subject = topic[0]
    ch = CHANNEL_WORD[f["channel"]]
    kinds = sorted(a["ctypes"], key=lambda t: (-CIDX[TYPES[t][2]], t))
    if kinds:
        how = TYPES[kinds[0]][1]
        return pick(rng, [f"{subject}をめぐる{ch}での{how}", f"{subject}への不満から{how}に至った{ch}"])
    want = LABEL[a["demand"]]
    return pick(rng, [f"{subject}についての{ch}での申し出（要求は{want}）", f"{ch}で寄せられた{subject}への申し出"])


def case(rng):
    f = sample_facts(rng)
    a = assess({**f, "events": set()})
    f["events"] = sample_events(rng, a)
    a, flow, steps = outcome(f)
    return f, a, flow, steps


def cases(rng, n):
    """N cases; while some grid cell or flow step is uncovered, prefer samples that cover it."""
    need = {("cell", c, d) for c in GRID for d in DIDX}
    need |= {("step", fl["id"], s["id"]) for fl in FLOWS for s in fl["steps"]}
    for i in range(n):
        for _ in range(300 if need else 1):
            f, a, flow, steps = case(rng)
            covers = {("cell", a["conduct"], a["demand"])} | {("step", flow, s) for s in steps}
            if covers & need or not need:
                break
        need -= covers
        topic = rng.choice(TOPICS)
        id = f"case-{i + 1:06d}-{f['channel']}"
        matter = {"id": id, "title": title(rng, f, a, topic), "channel": f["channel"],
                  "conduct": f["conduct"], "demand": f["demand"], "conduct_types": f["conduct_types"],
                  "demand_types": f["demand_types"], "tags": sorted(f["tags"]), "minutes": f["minutes"],
                  "repeats": f["repeats"], "events": sorted(f["events"]),
                  "expect": {"verdict": a["verdict"], "flow": flow, "route": steps}}
        yield id, front(matter, body(rng, f, a, flow, steps, topic))


def policy_files(n, seed):
    files = {
        "policy.yaml": yaml({
            "id": "bench-denryoku", "title": "ベンチ電力株式会社 お客さまセンター カスタマーハラスメント対応マニュアル",
            "version": "1.0.0", "lang": "ja", "slogan": "お客さまに誠実に、働く人に安心を",
            "owners": ["ベンチ電力株式会社 お客さまセンター 企画グループ"], "effective_from": "2026-04-01",
            "legal_refs": [{"title": "厚生労働省「カスタマーハラスメント対策企業マニュアル」（2022年2月）"},
                           {"title": "労働施策総合推進法（2025年6月改正公布）"}],
            "thresholds": THRESHOLDS,
            "vendors": [{"id": "bench-tele", "name": "株式会社ベンチテレサービス", "contact": "委託先管理課 内線 2001"}],
            "fork": {"locked": ["definitions", "stance", "criteria", "invariants"],
                     "bounds": {"hold": {"max": "3m"}, "limit": {"max": "15m"}}}}),
        "stance.md": front({"title": STANCE[0], "principles": STANCE[1]}, STANCE[2]),
        "criteria.yaml": yaml({
            "axes": {"conduct": {"label": "行為（手段・態様）", "levels": [
                         {"id": i, "label": l, "describe": d} for i, l, d in CONDUCT]},
                     "demand": {"label": "要求（内容の妥当性）", "levels": [
                         {"id": i, "label": l, "describe": d} for i, l, d in DEMAND]}},
            "verdicts": [{"id": i, "label": l, "color": c, "describe": d} for i, l, c, d in VERDICTS],
            "grid": GRID,
            "conduct_types": [{"id": i, "label": l, "min_level": m, **x} for i, l, m, x in CONDUCT_TYPES],
            "demand_types": [{"id": i, "label": l, "min_level": m} for i, l, m in DEMAND_TYPES],
            "events": [{"id": i, "label": l} for i, l in EVENTS]}),
        "vocabulary.yaml": yaml({"channels": [{"id": i, "label": l} for i, l in CHANNELS],
                                 "tags": [{"id": i, "label": l} for i, l in TAGS]}),
        "roles.yaml": yaml([{"id": i, "label": l, "org": o, "describe": d} for i, l, o, d in ROLES]),
        "scripts.yaml": yaml([{"id": i, "purpose": p, **({"channel": c} if c else {}), "text": t}
                              for i, p, c, t in SCRIPTS]),
        "invariants.yaml": yaml(INVARIANTS),
        "aftercare.yaml": yaml([{"id": i, "role": r, "within": w, "title": t, "do": d + "\n"}
                                for i, r, w, t, d in AFTERCARE]),
    }
    for fl in FLOWS:
        files[f"flows/{fl['id']}.yaml"] = yaml(fl)
    for i, term, reading, aliases, see, text in DEFINITIONS:
        files[f"definitions/{i}.md"] = front(
            {"id": i, "term": term, "reading": reading, "aliases": aliases, "see_also": see}, text + "\n")
    for i, t, order, text in PAGES:
        files[f"pages/{i}.md"] = front({"title": t, "order": order},
                                       text.replace("{note}", f"seed {seed}、事例 {n} 件"))
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--cases", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    out = args.out
    (out / "cases").mkdir(parents=True, exist_ok=True)
    for old in (out / "cases").glob("*.md"):  # a smaller run must not leave a larger one's cases
        old.unlink()
    for path, text in policy_files(args.cases, args.seed).items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(text, encoding="utf-8")
    for id, text in cases(rng, args.cases):
        (out / "cases" / f"{id}.md").write_text(text, encoding="utf-8")
    print(f"wrote {out} ({args.cases} cases, seed {args.seed})")


if __name__ == "__main__":
    main()
