# mamoru のメッセージ（日本語）。id は en.ftl と同じです（テストで確認しています）。

## 言語によらないテキスト（id、数値、パス）
plain = { $text }

## 診断の報告
report-in-file = ファイル: { $file }
report-hint = ヒント: { $hint }
report-summary = エラー { $errors } 件、警告 { $warnings } 件

## 項目の種類
what-conduct-level = 行為のレベル
what-demand-level = 要求のレベル
what-verdict = 判定
what-conduct-type = 行為の類型
what-demand-type = 要求の類型
what-event = 事象
what-channel = 窓口
what-tag = タグ
what-role = 役割
what-script = 文例
what-flow = フロー
what-definition = 用語
what-case = 事例
what-vendor = 委託先
what-aftercare = 事後対応の項目
what-invariant = 不変条件
what-step = ステップ
what-threshold = しきい値

## 名前と参照
did-you-mean = `{ $name }` の誤りではありませんか？
duplicate-id = { $what }の id `{ $id }` が2回使われています
duplicate-id-hint = { $what }ごとに別の id が必要です。どちらかの名前を変えてください
first-used-here = 最初に使われた場所
unknown-reference = { $what } `{ $id }` は定義されていません
undeclared-reference = { $what } `{ $id }` は宣言されていません
undeclared-hint = { $hint }（vocabulary.yaml で宣言してください）
undeclared-hint-alone = vocabulary.yaml で宣言してください
none-declared = { $what }が1つも定義されていません
known-ids = 定義済みの{ $what }: { $ids }
many-known-ids = 定義するか、定義済みの { $count } 個の id から選んでください

## ファイルの読み込み（load）
rename-to = `{ $name }` に名前を変えてください
policy-folder-holds = ポリシーのフォルダーに置くのは { $files } と、definitions/、flows/、cases/、pages/ の各フォルダーです
dir-holds-files = { $dir }/ には項目ごとに `.{ $ext }` ファイルを1つずつ置きます
dir-one-level = { $dir }/ は1階層だけ読みます。ファイルを { $dir }/ の直下に移してください
folder-not-policy = フォルダー `{ $name }/` はポリシーの一部ではないため読みません
folder-not-read = フォルダー `{ $path }/` は読みません
cannot-read-folder = フォルダー `{ $path }` を読めません: { $error }
cannot-read = `{ $path }` を読めません: { $error }
broken-link = `{ $path }` はどこも指していないリンクです
broken-link-hint = リンクを削除するか、ポリシー内のファイルを指すようにしてください
link-outside = `{ $path }` はポリシーのフォルダーの外（`{ $target }`）を指すリンクのため読みません
link-outside-hint = ファイルをポリシーのフォルダーにコピーしてください。外から読む必要がある場合は --follow-links を指定します
link-loop = `{ $path }` はすでに読んだフォルダーに戻るリンクです
link-loop-hint = リンクを削除してください。自分自身を含むフォルダーは終わりなく読み続けることになります
file-too-large = `{ $path }` は { $bytes } バイトあります。ポリシーのファイルは { $max } MiB までです
file-too-large-hint = 内容を複数のファイルに分けてください
folder-too-large = ポリシーのフォルダーのファイルが { $files } 個または { $max } MiB を超えたため、`{ $path }` で読み込みを止めました
folder-too-large-hint = フォルダーにはポリシーの原稿、テンプレート、素材だけを置いてください
unknown-file = `{ $path }` は mamoru が知らないポリシーのファイルです
invalid-utf8 = `{ $path }` は UTF-8 として正しくありません（{ $byte } バイト目）
invalid-utf8-hint = ファイルを UTF-8 で保存してください（Shift_JIS などは読めません）
empty-file = `{ $path }` が空です
empty-file-hint = 内容を書くか、ファイルを削除してください
front-matter-missing = YAML のフロントマターがありません。ファイルは `---` の行で始めてください
front-matter-missing-hint = ファイルを `---`、フロントマターのキー、`---`、本文（Markdown）の順に書いてください
front-matter-unclosed = フロントマターが閉じられていません
front-matter-unclosed-hint = フロントマターの終わりに `---` だけの行を書いてください

## YAML
yaml-key-not-plain = マッピングのキーには、リストやマッピングではなく単純な値を書いてください
yaml-budget = 文書を展開すると { $nodes } ノードまたは { $mib } MiB を超えます（エイリアスを含む）
yaml-budget-hint = エイリアス爆弾のようです。値を直接書くか、エイリアスを減らしてください
yaml-second-document = ここから2つ目の YAML 文書が始まっています。ポリシーのファイルには1つだけ書きます
yaml-second-document-hint = `---` の行を削除するか、ファイルを分けてください
yaml-unknown-alias = このエイリアスが指すアンカーが、これより前に定義されていません
yaml-too-deep = 入れ子が { $max } 段を超えています
yaml-duplicate-key = このマッピングでキー `{ $key }` が重複しています
yaml-duplicate-key-hint = `{ $key }` は { $line } 行目ですでに指定されています。どちらか一方を残してください
yaml-keep-one = どちらか一方を残してください
yaml-tag = YAML のタグ `{ $tag }` はここでは使えません
yaml-tag-hint = タグを削除し、値をそのまま書くか引用符で囲んでください
yaml-empty = この文書には YAML の内容がありません
yaml-empty-hint = このファイルに必要なキーを書いてください（`mamoru schema` で確認できます）
yaml-syntax = YAML の構文エラー: { $detail }
yaml-syntax-tab = YAML の構文エラー: 空白が必要な所にタブがあります
yaml-syntax-tab-hint = YAML の字下げには半角スペースを使い、タブは使いません
yaml-syntax-mapping-values = YAML の構文エラー: 引用符で囲まれていない値の中に `: ` があるか、キーの字下げが違います
yaml-syntax-mapping-values-hint = `: ` を含む値は `title: "A: B"` のように引用符で囲んでください。そうでなければ字下げを確認してください
yaml-syntax-no-colon = YAML の構文エラー: `キー: 値` でもリストの項目でもない行があります
yaml-syntax-no-colon-hint = コロンの後に半角スペースを入れて `キー: 値` と書くか、上の行の字下げを確認してください
yaml-syntax-indent = YAML の構文エラー: この行の字下げが上の行と合っていません
yaml-syntax-indent-hint = この行の字下げを上の行と比べて確認してください

## スキーマによる検証（validate）
missing-file = ポリシーに `{ $path }` がありません
missing-file-hint = `{ $path }` を作成してください。`mamoru init DIR` で完全な見本を書き出せます
id-mismatch = id `{ $id }` がファイル名 `{ $path }` と違います
id-mismatch-hint = 項目の id はファイル名と同じにします。ファイル名を変えるか `id: { $stem }` としてください
cannot-deserialize = この文書を読めません: { $detail }
found-null = 空の値
found-bool = true または false
found-integer = 数値
found-decimal = 小数
found-string = `{ $value }`
found-list = リスト
found-mapping = マッピング
expect-id = id（半角の英小文字・数字・ハイフン。例: `sv-consult`）
expect-ids = id または id のリスト
expect-date = YYYY-MM-DD 形式の日付
expect-version = 1.2.0 のようなバージョン（YAML が数値と読む場合は引用符で囲む）
expect-duration = 90s、3m、1h、2d のような時間、またはしきい値の名前
expect-threshold-value = 60m のような時間、または整数
expect-minutes = 分数、60m のような時間、または時間のしきい値の名前
expect-count = 整数、またはしきい値の名前
expect-colour = #rrggbb 形式の色
expect-string = 文字列
expect-integer = 整数
expect-number = 数値
expect-boolean = true または false
expect-list = リスト
expect-mapping = マッピング（`キー: 値` の行）
expect-value = 別の値
expect-either = { $a }または{ $b }
field = `{ $name }`
field-this = この値
unknown-key = 不明なキー `{ $key }`
keys-allowed = ここで使えるキーは { $keys } です
missing-key = キー `{ $key }` がありません
missing-key-hint = このマッピングに `{ $key }:` を追加してください（{ $expected }）
wrong-type = { $field } には{ $expected }を書きます。{ $found } が書かれています
wrong-value = { $field } には{ $expected }を書きます。{ $found } が書かれています
must-be-one-of = { $field } は { $options } です。{ $found } が書かれています
hint-quote-number = YAML が文字列として読むよう、"1.0" のように値を引用符で囲んでください
hint-empty-value = 値が空です。コロンの後に値を書いてください
hint-write-list = `[a, b]` のようにリストで書いてください
hint-slug = id は `{ $slug }` のような半角の英小文字・数字・ハイフンで書きます
min-items = { $field } には少なくとも { $min } 個の項目が必要です
minimum = { $field } は { $min } 以上にしてください
schema-other = { $field }: { $detail }

## 日本語入力で起きやすい誤り
slip-digits = 数値を書く所に全角数字 `{ $typed }` が使われています
slip-write-instead = 半角で `{ $write }` と書いてください
slip-duration = `{ $typed }` は mamoru が読める時間の書き方ではありません。時間は半角の数字と s・m・h・d で書きます
slip-duration-hint = `{ $write }` と書いてください
slip-date = `{ $typed }` は YYYY-MM-DD 形式の日付ではありません

## コマンド
io-read = 読め
io-write = 書け
io-create = 作れ
cannot-io = `{ $path }` を{ $action }ません: { $error }
output-closed = 出力先が閉じられました
not-a-folder = `{ $path }` はフォルダーではありません
no-such-folder = `{ $path }` はフォルダーではありません（存在しません）
unknown-kind = 種類 `{ $kind }` はありません。種類は { $kinds } です
folder-not-empty = `{ $path }` は空ではありません。新しいフォルダーか空のフォルダーを指定してください
cannot-render = マニュアルを生成できません: { $detail }
upstream-has-errors = 上位版 `{ $path }` にエラーが { $errors } 件あります。先に `mamoru check { $path }` を実行してください
bad-upstream-version = 上位版のバージョンがセマンティック バージョンではありません: { $detail }
cannot-compile = `{ $path }` をコンパイルできません。`mamoru check { $path }` を実行してください
io-remove = 削除でき
io-replace = 置き換えられ
out-inside-policy = --out `{ $out }` はポリシーが原稿を読むフォルダー `{ $policy }` の中にあります。別のフォルダー（例: `public`）を指定してください
out-contains-policy = --out `{ $out }` はポリシーのフォルダー `{ $policy }` そのものか、それを含んでいます。別のフォルダー（例: `public`）を指定してください
out-not-ours = --out `{ $out }` は空ではなく（{ $entries } 項目）、mamoru が書いたフォルダーでもありません（`{ $marker }` ファイルがありません）。新しいフォルダーか空のフォルダーを指定するか、中身ごと置き換えてよければ --force を指定してください
out-precious = --out `{ $out }` は{ $why }ため、--force を指定しても mamoru は置き換えません
precious-root = ファイルシステムのルートである
precious-home = ホームフォルダーであるか、それを含む
precious-cwd = 現在のフォルダーであるか、それを含む
out-not-folder = --out `{ $out }` はフォルダーではなく、ファイルかリンクとして存在します。別のパスを指定してください
out-bad-path = `{ $path }` は出力フォルダーの外に出るため書き込みません
cli-error = エラー: { $error }
check-summary = { $root }: { $summary }
check-summary-policy = { $root }: { $summary }（{ $id } { $version }: 事例 { $cases } 件、フロー { $flows } 件）
build-nothing-written = 何も書き出していません。先に上のエラーを直してください
build-wrote = { $path } に { $count } 個のファイルを書き出しました
test-blocked = 事例以外にもポリシーにエラーがあります。先に直してください（`mamoru check`）
test-coverage-low = 網羅率 { $coverage }% が --min-coverage { $min }% を下回っています
classify-summary = 読み込み { $read } 件 = 判定 { $classified } 件 + 却下 { $rejected } 件
fork-wrote = { $path } を書き出しました（上位版: { $upstream }）
init-wrote = 見本のポリシー（{ $count } ファイル）を { $path } に書き出しました
next-check = 次は: mamoru check { $path }

## しきい値
threshold-hint = 値（例: `{ $example }`）を書くか、policy.yaml の `thresholds:` に `{ $name }` を定義してください
the-count = 回数 { $count }
the-duration = 時間 { $duration }
quantity-kind = `{ $name }` は{ $got }ですが、ここには{ $want }が必要です
threshold-declared-here = しきい値の定義
bad-threshold-name = しきい値の名前 `{ $name }` が正しくありません
bad-threshold-name-hint = しきい値の名前は英小文字で始め、英小文字・数字・`_`・`-` で書きます
duration-too-large = 時間 `{ $value }` が大きすぎます
duration-too-large-hint = もっと小さい値にしてください
unknown-placeholder = 本文のしきい値 `{"{{"}{ $name }{"}}"}` は定義されていません
placeholder-hint = `{"{{"}名前{"}}"}` は policy.yaml のしきい値を表示します。定義済み: { $names }
slip-space = 字下げに全角スペース `　` が使われています。YAML はこれを字下げとして読みません
slip-space-hint = 字下げは半角スペースで入力してください（入力を半角にするか、`　` を半角スペース2つに置き換えます）
slip-colon = `{ $key }` の後に全角のコロン `：` が使われています。半角の `:` にしてください
slip-colon-hint = 半角のコロンと空白で `{ $key }: ` と書いてください
slip-no-space = `{ $typed }` のコロンの後に空白がありません。YAML はこれを1つの文字列として読みます
slip-no-space-hint = コロンの後に半角スペースを入れて `{ $write }` と書いてください
slip-symbol = YAML で半角の `{ $write }` が必要な所に全角の `{ $typed }` が使われています
slip-list-hint = リストは半角の記号で `[a, b]` と書くか、1行に1つずつ `- 項目` と書きます
not-a-calendar-date = `{ $value }` は実在する日付ではありません
not-a-calendar-date-hint = 実在する日付を YYYY-MM-DD の形で書いてください
otherwise-never-taken = ステップ `{ $step }` の `otherwise`（`{ $to }` へ）は使われません。上の分岐がこのステップに来るすべての応対を受け止めています
otherwise-never-taken-hint = `otherwise` の分岐を削除するか、一部の応対がそこへ進むべきなら上の分岐を絞ってください
