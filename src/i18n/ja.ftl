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
feature-missing = この mamoru は Cargo の feature `{ $feature }` なしでビルドされています。既定の feature で mamoru をインストールしてください
build-without-site = この mamoru はマニュアル生成なし(Cargo の feature `site` なし)でビルドされています。ルールバンドルだけを書き出すには --bundle-only を付けてください。マニュアルも必要なら既定の feature で mamoru をインストールしてください
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

## 署名（mamoru keygen / sign / verify、--verify-with）
sign-io = `{ $path }` を読み書きできません: { $error }
sign-key-exists = `{ $path }` はすでにあります。keygen は鍵を上書きしません。別の名前を選ぶか、古い鍵を移してください
sign-bad-private-key = `{ $path }` は mamoru が読める秘密鍵ではありません。`mamoru keygen` が書く `-----BEGIN PRIVATE KEY-----`（PKCS#8）形式の Ed25519 または P-256 の鍵が必要です
sign-bad-public-key = `{ $path }` は mamoru が読める公開鍵ではありません。`mamoru keygen` が書く `-----BEGIN PUBLIC KEY-----` 形式の Ed25519 または P-256 の鍵が必要です
sign-no-randomness = 鍵を作るための乱数を OS から得られませんでした: { $error }
sign-wrong-key-kind = `{ $path }` は { $have } の鍵ですが、ここには { $want } の鍵が必要です（`mamoru keygen NAME`）
sign-wrong-key-kind-opa = `{ $path }` は { $have } の鍵ですが、ここには { $want } の鍵が必要です（`mamoru keygen NAME --opa`。OPA は Ed25519 を受け付けません）
sign-private-given = `{ $path }` は秘密鍵です。検証には公開鍵（NAME.pub）を渡してください
sign-public-given = `{ $path }` は公開鍵です。署名には秘密鍵（NAME.key）を渡してください
sign-not-a-folder = `{ $path }` はフォルダーではありません
sign-unsignable = `{ $path }` には署名できません: { $why }。署名するフォルダーには、移植できる名前の通常のファイルだけを置きます
sign-why-symlink = シンボリックリンクです（たどりません）
sign-why-special = 通常のファイルではありません
sign-why-not-utf8 = 名前が UTF-8 ではありません
sign-why-unportable = 名前に制御文字かバックスラッシュがあります
sign-add-changed = `{ $path }` のファイルは署名の後に変わりました。すべての鍵で署名し直してください（`mamoru sign { $path } --key A.key --key B.key`）
sign-add-unsigned = --add には署名済みのフォルダーが必要です: { $why }
keygen-wrote = { $private }（秘密鍵。人に渡さない）と { $public }（公開鍵。検証する人に渡す）を書き出しました。鍵 ID { $kid }
sign-wrote = { $path } の { $count } 個のファイルに署名しました（{ $file }）。鍵 ID { $kids }
verify-ok = 検証しました: { $path } の { $count } 個のファイルは鍵 ID { $kid } の署名どおりです
verify-failed = { $path }: 署名どおりではありません
verify-unsigned = 署名がありません: `{ $path }` に { $file } がありません（`mamoru sign { $path } --key NAME.key` で署名します）
verify-malformed = { $file } の形式が正しくありません: { $why }
verify-why-not-file = 通常のファイルではありません
verify-why-read = 読めません: { $error }
verify-why-json = JSON として読めません: { $error }
verify-why-format = 形式 `{ $format }`（この mamoru が読むのは `{ $want }`）
verify-why-unsafe-path = パス `{ $path }` は絶対パスか、フォルダーの外を指すか、移植できない名前です
verify-why-hash = `{ $path }` に正しい sha256 がありません
verify-why-unsorted = `{ $path }` でパスが並んでいないか重複しています
verify-why-no-signature = 署名がひとつもありません
verify-wrong-key = 鍵が違います: 署名の鍵 ID は { $signed } ですが、渡された鍵は { $given } です
verify-bad-signature = 鍵 ID `{ $kid }` の署名が検証できません。署名の後に { $file } が書き換えられたか、別の鍵が同じ ID を名乗っています
verify-changed = 変更: `{ $path }` が署名したファイルと違います
verify-added = 追加: `{ $path }` は署名したファイルにありません
verify-removed = 削除: `{ $path }` は署名したのに見つかりません
verify-refused = 拒否: `{ $path }`: { $why }
classify-refused = { $path }: 使えません: { $problem }
upstream-unverifiable = 上位版 `{ $path }` を検証できません: { $error }
upstream-not-as-signed = 上位版 `{ $path }` は発行元が署名したとおりではありません（問題 { $count } 件）
upstream-not-as-signed-hint = 上位版を発行元から取り直すか、`mamoru verify { $path } --key KEY` で確かめてください。--verify-with を付けなければ検証せずに読みます

## OPA バンドル（mamoru build --opa）
build-wrote-opa = OPA バンドル { $path } を書き出しました
opa-unbounded = フロー `{ $flow }` を Rego に書き出せません: 手順 `{ $step }` を通るループに `repeat` の上限がなく、ルートが終わりません
opa-too-long = フロー `{ $flow }` を Rego に書き出せません: ルートが複数の `repeat` 手順を通ってループし、最大 { $steps } 回の手順送りが要ります（上限は { $limit } 回）。そのループの `repeat` を小さくするか、繰り返す手順を自分自身へ戻るループにしてください（自分自身へのループは `repeat` がいくつでも 1 回で済みます）
opa-key-kind = --opa-key には ECDSA P-256 の鍵が必要です（`mamoru keygen NAME --opa`）。OPA はバンドルの署名を ES256 で検証できますが、Ed25519 では検証できません
opa-archive = OPA バンドルを書き出せません: { $error }
opa-route-too-long = フロー `{ $flow }` を Rego に書き出せません: `repeat` の値が大きいため、ルートが最大 { $steps } 手順になります（上限は { $limit } 手順）。`repeat` を小さくしてください
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
link-absolute = リンク `{ $dest }` が `/` で始まっています。マニュアルをサブパスで公開すると切れます
link-no-asset = リンク `{ $dest }` の先に、ポリシーの `site/` フォルダーのファイルがありません
image-not-asset = 画像 `{ $dest }` が `assets/` の下にありません。ファイルをポリシーの `site/` フォルダーに置き、`assets/ファイル名` と書いてください
link-no-page = リンク `{ $dest }` の先にマニュアルのページがありません
link-no-anchor = リンク `{ $dest }` の先に、そのページの該当箇所がありません
link-hint = リンクはマニュアルのルートから書きます: `criteria.html`、`flows/ID.html#step-ID`、`cases/ID.html`、`pages/ID.html`、`assets/ファイル`
page-name = `{ $path }` のファイル名はページの URL になるため、id（半角の英小文字・数字・ハイフン）にしてください
what-party = 相手方
what-counter = 回数カウンター
what-cap = 保護の上限

## 派生版（resolve）
part-definitions = 用語
part-roles = 役割
part-scripts = 文例
part-flows = フロー
part-aftercare = 事後対応
part-invariants = 不変条件
part-cases = 事例
part-pages = ページ
part-criteria = 判断基準
part-stance = 基本姿勢
part-vocabulary = 語彙
part-thresholds = しきい値
part-other = 項目
what-item = { $kind } `{ $id }`
what-adds = { $kind }（`{ $id }` の追加）
what-removes = { $kind }（`{ $id }` の削除）
what-removal = { $kind } `{ $id }` の削除
what-part = { $kind }
vendor-may-not = 委託先の派生版は{ $what }を変更できません
vendor-may-not-hint = 委託先の派生版で変更できるのは表示名と連絡先（タイトル、スローガン、管理者、委託先、役割の表示名、ページ）だけです
locked = `{ $part }` は上位版 `{ $upstream }` がロックしているため、派生版では{ $what }を変更できません
locked-hint = この変更を取り消すか、`{ $upstream }` の管理者に `{ $part }` のロック解除を依頼してください
missing-record = { $what }が上位版を置き換えていますが、override の記録がありません
missing-record-hint = `override: {"{"}why: …, owner: …, review_by: YYYY-MM-DD{ $digest }{"}"}` を追加してください
override-drift = この override を確認した後で、上位版の{ $what }が変わりました
override-drift-hint = 上位版の変更を確認してから `upstream_digest: "{ $digest }"` を設定してください
review-due = { $what }の差分は { $date } に見直し期限を過ぎています
review-due-hint = 見直して新しい `review_by` を設定するか、差分をやめてください
remove-unknown = `remove` に { $kind } `{ $id }` がありますが、上位版 `{ $upstream }` にはありません
record-without-upstream = { $kind } `{ $id }` に override の記録がありますが、置き換える上位版の項目がありません
record-without-upstream-hint = 上位版 `{ $upstream }` に { $kind } `{ $id }` はありません。記録を削除するか id を直してください
vendor-role-org = 委託先の派生版は役割の表示名を変えられますが、所属は変えられません
vendor-add-role = 委託先の派生版は役割 `{ $id }` を追加できません
bound-exceeded = ステップ `{ $step }` の { $key } が { $value } で、上位版 `{ $upstream }` が派生版に認める { $max } を超えています
bound-exceeded-hint = { $max } 以下にしてください（上限の値ちょうどは認められます）

## 応対の分類の説明
describe = { $parts }
d-any = すべての応対
d-channel = 窓口 `{ $id }`
d-verdict = 判定 `{ $id }`（マス { $cell }）
d-tags = タグ { $ids }
d-no-tags = タグ { $ids } なし
d-conduct-types = 行為の類型 { $ids }
d-demand-types = 要求の類型 { $ids }
d-events = 事象 { $ids }
d-no-events = 事象 { $ids } なし
d-minutes = { $minutes } 分以上
d-repeats = 繰り返し { $repeats } 回以上
d-party = 相手方 `{ $id }`
d-no-party = 相手方の記録なし
d-channel-other = { $ids } 以外の窓口
d-party-other = 相手方が { $ids } 以外か記録なし
d-targeted = 特定の従業員を標的にしている
d-not-targeted = 特定の従業員を標的にしていない
d-count = { $id } { $count } 回以上

## フロー（compile）
step-unreachable = フロー `{ $flow }` のステップ `{ $step }` には `{ $start }` からたどり着けません
step-unreachable-hint = ここへ進む分岐を追加するか、ステップを削除してください
flow-loops = フロー `{ $flow }` は終わりなく繰り返す可能性があります: { $route }
flow-loops-hint = 前のステップへ戻る分岐は、`repeat: N` を持つステップに入るか出るものにしてください。それで繰り返しの回数が決まります
key-hold = 保留時間
key-limit = 目安時間
step-exceeds-invariant = フロー `{ $flow }` のステップ `{ $step }` の{ $what }が { $value } で、不変条件 `{ $invariant }` の上限 { $max } を超えています
use-at-most = { $max } 以下にしてください
invariant-declared-here = 不変条件の定義
flows-overlap = フロー `{ $a }` と `{ $b }` の両方が受け付ける応対があります（例: { $contacts }）
flows-overlap-hint = 1つの応対が従うフローは1つだけです。どちらかの `applies_to` を（`not:` などで）絞ってください
flow-admits-here = `{ $flow }` はここで受け付けています
flow-gap = 窓口 { $channel } で判定 `{ $verdict }` の応対を受け付けるフローがありません（例: { $contacts }）
flow-gap-hint = フローの `applies_to` を広げるか、これらの応対のためのフローを追加してください
analysis-flow-choice = フローの選択
analysis-flow = フロー `{ $flow }`
analysis-invariant = フロー `{ $flow }` での不変条件 `{ $invariant }`
analysis-limit = { $what }の分析は応対の分類 { $max } 件で打ち切りました。見落としたエラーがあるかもしれません
analysis-limit-hint = 多くのタグ・類型・事象を一度に調べる条件は、確かめる場合の数を大きくします
no-branch-holds = フロー `{ $flow }` のステップ `{ $step }` で、どの分岐も当てはまらない応対があります: { $contacts }
no-branch-holds-hint = 最後の分岐として `- otherwise: ステップ` を追加するか、これらの応対を受け止める分岐を書いてください
note-route = 経路: { $route }
route-unending = フロー `{ $flow }` に `end` のステップへたどり着かない経路があります（{ $contacts }）
note-route-starts = 経路の始まり: { $route }
why-step-not-reached = この条件の応対は、このフローでステップ `{ $step }` までたどり着きません
why-shadowed = 当てはまる応対はすべて前の分岐（{ $earlier }）が先に受け止めるか、この条件ではステップ `{ $step }` までたどり着きません
why-never-holds = この条件は、このフローの応対で成り立つことがありません
branch-never-taken = ステップ `{ $step }` の分岐 #{ $n }（`{ $to }` へ）は使われません: { $why }
branch-never-taken-hint = 分岐の順序を変えるか、前の分岐を絞るか、この分岐を削除してください
invariant-violated = フロー `{ $flow }` が不変条件 `{ $invariant }` を満たしていません: 経路 { $route } は役割 { $roles } にたどり着きません
invariant-violated-hint = このような応対が、役割 { $roles } のステップを通るようにしてください
note-for-contacts = 対象の応対: { $contacts }
note-invariant = 不変条件: { $text }
how-branch = 分岐 #{ $n } で `{ $to }` へ
how-otherwise = otherwise で `{ $to }` へ
how-ends = 終了
how-ends-with = 終了: { $end }
note-route-step = {"  "}{ $n }. { $step }（役割 { $role }）: { $how }

## 事例（テスト）
axis-conduct = 行為
axis-demand = 要求
why = { $parts }
why-raised = 類型 `{ $ty }`{ $implied ->
    [yes] （事実から該当）
   *[no] {""}
}により{ $axis }が { $from } から { $to } に上がる
why-cell = マス { $cell } の判定は `{ $verdict }`
why-override = 類型 `{ $ty }` により判定は `{ $verdict }`
why-capped = 保護の上限 `{ $cap }` により、類型 `{ $ty }` による{ $axis }の引き上げは { $from } ではなく { $to } まで
fail-verdict = 判定: 期待 `{ $expected }`、結果 `{ $got }`
fail-no-flow = フロー: この応対を受け付けるフローがありません
fail-several-flows = フロー: 複数のフローが受け付けます: { $flows }
fail-flow = フロー: 期待 `{ $expected }`、結果 `{ $got }`
fail-route = 経路: 期待 { $expected }、結果 { $got }{ $stuck ->
    [yes] （行き止まり: どの分岐も当てはまりません）
   *[no] {""}
}
case-verdict = 事例 `{ $case }` の期待する判定は `{ $expected }` ですが、ポリシーの判定は `{ $got }` です
case-verdict-hint = 事例の事実か期待を直すか、ポリシーが誤っているならマスや類型を直してください
case-no-flow = 事例 `{ $case }` を受け付けるフローがありません
case-no-flow-hint = この応対をどれかのフローの `applies_to` が受け付けるようにしてください
case-several-flows = 事例 `{ $case }` を複数のフローが受け付けます: { $flows }
case-flow = 事例 `{ $case }` の期待するフローは `{ $expected }` ですが、`{ $got }` に従います
case-route = 事例 `{ $case }` はフロー `{ $flow }` で別の経路をたどります
note-expected-route = 期待: { $route }
note-actual-route = 結果: { $route }
note-route-stuck = 経路は、どの分岐も当てはまらない所で止まります
note-routes-part = 経路は `{ $step }` の後で分かれます（分岐 #{ $n } が選ばれました）
note-the-contact = この応対: { $why }
cell-uncovered = マス { $cell }（{ $verdict }）に入る事例がありません
cell-uncovered-hint = このマスの事例を追加してください。判断を揃えるのは事例です
step-uncovered = フロー `{ $flow }` のステップ `{ $step }` を通る事例がありません
step-uncovered-hint = 経路がこのステップを通る事例を追加してください

## 判断基準の表・類型・保護の上限
grid-row-unknown = 表の行 `{ $row }` は行為のレベルではありません
grid-rows-are = 表の行は行為のレベルです: { $levels }
grid-row-length = 表の行 `{ $row }` の判定は { $verdicts } 個ですが、要求の軸のレベルは { $levels } 個です
grid-row-length-hint = 要求のレベルごとに1つずつ、この順に判定を書いてください: { $levels }
grid-row-missing = 表に行為のレベル `{ $level }` の行がありません
grid-row-missing-hint = 要求のレベルごとに1つの判定で `{ $level }: [...]` を追加してください
independent-row = 行為の類型 `{ $ty }` は要求の内容によらず受け入れられない行為ですが、表の行 `{ $row }` の判定は { $verdicts } です
independent-row-hint = `min_level` を判定が1つだけの行に上げるか、その行の判定を揃えてください
the-row = その行
cap-condition = 保護の上限 `{ $cap }` の `when` が `{ $key }` を調べていますが、それは上限自体が変えるものか、後で起きることです
cap-condition-hint = 保護の上限の `when` で調べられるのは、事実（窓口、タグ、相手方、標的、時間、繰り返し、回数）と類型です
cap-forbidden = 保護の上限 `{ $cap }` が類型 `{ $ty }` を抑えていますが、この類型は{ $why }ため、保護を理由に許すことはできません
cap-why-independent = 要求の内容によらず受け入れられない（`independent_of_demand`）
cap-why-verdict = 判定を上書きする
cap-forbidden-hint = 類型を上限から外してください。お客さまへの配慮はフローの中で行います（時間を延ばす、書面で回答する など）
cap-no-types = 保護の上限 `{ $cap }` は類型を1つも挙げていないため、何も変えません
cap-no-types-hint = 引き上げを抑える類型を `conduct_types` か `demand_types` に挙げてください
cap-max-without-types = 保護の上限 `{ $cap }` に `{ $key }` がありますが `{ $types }` がないため、その上限は何も変えません
cap-max-without-types-hint = `{ $types }` を追加するか、`{ $key }` を削除してください
cap-type-unaffected = 保護の上限 `{ $cap }` は類型 `{ $ty }` を抑えられません。この類型の引き上げは { $min } までで、上限は { $limit } です
cap-type-unaffected-hint = 上限を類型の `min_level` より下げるか、類型を上限から外してください

## 不変条件とフローの構造
invariant-no-rule = 不変条件 `{ $id }` に規則がありません
invariant-no-rule-hint = `reach_role`、`max_hold`、`max_limit` のいずれかを書いてください
applies-to-events = `applies_to` では事象を調べられません。事象は応対の途中、フローが選ばれた後で起きます
applies-to-events-hint = 事象による分岐はフローの中に書いてください
step-end-and-next = ステップ `{ $step }` に `end` と `next` の両方があります
step-end-and-next-hint = `end` のステップは終点です。`next` か `end` のどちらかを削除してください
step-no-next = ステップ `{ $step }` に `next` も `end` もないため、経路が結果のないままここで止まります
step-no-next-hint = `next:` の分岐を書くか、`end: 結果` として終点にしてください
repeat-zero = `repeat` は1以上にしてください

## 注意（lint）
pii-phone = 電話番号
pii-email = メールアドレス
pii-postal = 郵便番号
pii-name = 個人の氏名
personal-data = { $what }のようです（`{ $text }`）。事例と文例に個人情報を書いてはいけません
personal-data-hint = 顧客A、0X0-XXXX-XXXX、○○ のような仮の表記に置き換えてください
term-variant = `{ $written }` は用語 `{ $term }` に似ていますが表記が違うため、マニュアルでリンクされません
term-variant-hint = `{ $term }` と書くか、用語 `{ $def }` の aliases に `{ $written }` を追加してください
term-unused = 用語 `{ $term }` はマニュアルのほかの所で使われていません
term-unused-hint = 当てはまる所でこの用語を使うか、代わりに使っている表記を aliases に追加するか、用語を削除してください
vague-wording = 義務を定める文に、しきい値や数値のないあいまいな表現 `{ $word }` があります
vague-wording-hint = `{"{{"}hold{"}}"}以内に` のように、どのように・いつまでにを書くか、具体的な行動を書いてください

## 派生版の上位版
extends-depth = 上位版が { $max } 段を超えて連なっています
extends-depth-hint = 上位版のさらに上位版を直接 extends するか、途中の派生版をまとめてください
extends-missing = `{ $path }`（`{ $resolved }`）にポリシーがありません
extends-missing-hint = `extends.path` は、この policy.yaml から見た上位版のフォルダーです
extends-cycle = `{ $path }` は上位版をたどると自分自身を extends しています
extends-cycle-hint = ポリシーは自分自身の上位版になれません。循環を断ってください
upstream-errors = 上位版 `{ $path }` にエラーが { $errors } 件あります
upstream-errors-hint = `mamoru check { $path }` を実行し、先に上位版を直してください
note-code-message = { $code }: { $message }
bad-version-requirement = `{ $requirement }` はバージョンの指定として正しくありません: { $detail }
bad-version-requirement-hint = `^1.2`（1.2 以降の 1.x）、`~1.2`（1.2.x）、`=1.2.0` のように書いてください
extends-version = 上位版 `{ $upstream }` のバージョンは { $version } で、`{ $requirement }` に当てはまりません
extends-version-hint = 上位版の変更を確認してから（`mamoru diff`）、`extends.version` を更新してください
upstream-drift = この派生版を確認した後で上位版 `{ $upstream }` が変わりました（確認時 { $reviewed }、現在 { $now }）
upstream-drift-note = 上位版が変わった上書き項目は、別の警告として示します
upstream-not-reviewed = この派生版には、確認した上位版の記録がありません
reviewed-hint = 変更を確認してから（`mamoru diff`）、`extends` の下に `reviewed: {"{"}version: "{ $version }", digest: "{ $digest }"{"}"}` を設定してください

## バンドルと classify
bundle-unknown-ref = バンドルが未定義の{ $what } `{ $id }` を参照しています
bundle-no-step = バンドルのフロー `{ $flow }` にステップ `{ $step }` がありません
not-a-bundle = mamoru のバンドルではありません: { $detail }
bundle-format = バンドルの形式 `{ $format }` には対応していません（この mamoru が読めるのは `{ $reads }`）
with-hint = { $message }（{ $hint }）
json-line = 応対を表す JSON のオブジェクトではありません: { $detail }
line-reason = { $line } 行目: { $reason }

## 2つのバンドルの意味の差分（mamoru diff）
diff-title = mamoru diff（差分）: { $change }
diff-digest = ダイジェスト { $old } → { $new }
diff-section = { $section ->
    [cells] 判断基準の表のマス
    [thresholds] しきい値
    [flows] フロー
    [cases] 事例
    [items] 項目
   *[manifests] マニフェスト
}
diff-column = { $column ->
    [cell] マス
    [old] 変更前
    [new] 変更後
    [severity] 重さ
    [threshold] しきい値
    [case] 事例
    [change] 変更
    [where] 場所
    [kind] 種類
    [added] 追加
    [removed] 削除
   *[changed] 変更
}
diff-kind = { $kind ->
    [verdicts] 判定
    [axes] 軸
    [conduct_levels] 行為のレベル
    [demand_levels] 要求のレベル
    [conduct_types] 行為の類型
    [demand_types] 要求の類型
    [events] 事象
    [channels] 窓口
    [tags] タグ
    [parties] 相手方
    [counters] 回数カウンター
    [caps] 保護の上限
    [roles] 役割
    [scripts] 文例
    [flows] フロー
    [invariants] 不変条件
    [aftercare] 事後対応
    [definitions] 用語
    [cases] 事例
    [vendors] 委託先
    [timezone] タイムゾーン
    [review] 週次レビューの設定
    [provenance] 項目の由来
   *[other] { $label }
}
diff-manifest-field = { $field ->
    [policy] ポリシー
    [version] バージョン
    [revision] リビジョン
   *[digest] ダイジェスト
}
diff-no-change = 意味のある変更はありません
diff-no-rule-change = ルールに変更はありません
diff-and-more = { $list } ほか { $count } 件
diff-cells-more = { $count } マスが { $verdict } になります: { $cells }（変更前は { $old }）
diff-cells-more-mixed = { $count } マスが { $verdict } になります: { $cells }
diff-cell-was = { $cell }（変更前は { $old }）
diff-cells-less = { $count } マスが軽くなります: { $cells }
diff-cells-unknown = { $count } マスの判定が変わります: { $cells }
diff-cell-moved = { $cell } は { $old } から { $new } へ
diff-severity = { $severity ->
    [more] 重くなる
    [less] 軽くなる
   *[unknown] 新しいポリシーにない判定
}
diff-verdicts-reordered = 判定の順序が変わりました。重さの順は { $order } です
diff-levels-reordered = { $kind }の順序が変わり、レベルの順位が変わりました
diff-cases-changed = { $count } 件の事例で結果が変わります: { $cases }
diff-case = { $id } は { $what }
diff-case-facts = { $id } は{ $facts }で { $what }
diff-facts = { $side ->
    [old] 変更前の事実
   *[new] 変更後の事実
}
diff-verdict-moved = { $old } から { $new } へ
diff-flow-moved = フロー { $old } から { $new } へ
diff-route-changed = ルートが変わる
diff-error = エラー
diff-no-flow = フローなし
diff-outcome-error = エラー: { $error }
diff-outcome-no-flow = { $verdict }、フローなし
diff-outcome-flow = { $verdict }、フロー { $flow }
diff-outcome-route = { $verdict }、フロー { $flow }、ルート { $route }
diff-threshold-changed = しきい値 { $name }: { $old } → { $new }
diff-threshold-added = しきい値 { $name } を追加: { $new }
diff-threshold-removed = しきい値 { $name } を削除（変更前は { $old }）
diff-threshold-touched = しきい値 { $name } を変更
diff-flow-changed = フロー { $id } の変更: { $parts }
diff-steps = ステップ { $count } 件を{ $edit ->
    [added] 追加
    [removed] 削除
   *[changed] 変更
}
diff-branches = 分岐 { $count } 件を{ $edit ->
    [added] 追加
    [removed] 削除
   *[changed] 変更
}
diff-field-changed = { $field } を変更
diff-kind-changed = { $kind }の変更: { $parts }
diff-ids = { $edit ->
    [added] 追加
    [removed] 削除
   *[changed] 変更
} { $count } 件（{ $ids }）
diff-policy-changed = ポリシーの id: { $old } → { $new }
diff-version-changed = バージョン: { $old } → { $new }
diff-manifest-changed = マニフェストの { $field } を変更
diff-cases-not-compared = 事例を比較していません: { $bundle ->
    [old] 変更前
   *[new] 変更後
}のバンドルで分類できません（{ $error }）
diff-edit = { $edit ->
    [added] 追加
    [removed] 削除
   *[changed] 変更
}
diff-reordered = 順序を変更
diff-order = 順序
diff-side = { $side ->
    [old] 変更前
   *[new] 変更後
}
diff-steps-listed = { $edit ->
    [added] 追加したステップ
   *[removed] 削除したステップ
}: { $ids }
diff-step-fields = ステップ { $id }: { $fields }
diff-branch-line = ステップ { $step } の分岐 #{ $position } を{ $edit ->
    [added] 追加
    [removed] 削除
   *[changed] 変更
}: { $old } ⇒ { $new }
diff-step-edit = { $edit ->
    [added] ステップを追加
   *[removed] ステップを削除
}
diff-branch-edit = { $edit ->
    [added] 分岐を追加
    [removed] 分岐を削除
   *[changed] 分岐を変更
}
diff-where-flow = フロー
diff-where-step = ステップ `{ $id }`
diff-where-branch = ステップ `{ $step }` の分岐 { $position }
diff-edge-when = { $condition } のとき → { $to }
diff-edge-otherwise = それ以外 → { $to }

## 週次レビュー（mamoru review）。
review-missing-column = ファイルに列 { $column } がありません（列を加えるか、review.yaml で CRM の列名を `{ $name }` に対応づけてください）
review-ambiguous-column = `{ $name }` にあたる列が二つあります。一つにしてください
review-empty = { $column } が空です
review-unknown = { $column } の値が、方針の{ $what }の id・名称でも review.yaml で対応づけた値でもありません
review-not-number = { $column } が整数ではありません
review-bad-date = { $column } が日付ではありません（YYYY-MM-DD か RFC 3339 の日時）
review-not-an-id = { $column } が応対の id ではありません（半角英数字と - _ . : / #、64 文字まで）
review-duplicate-id = id が重複しています（最初の行: { $file }:{ $line }）
review-personal-data = { $column } に個人情報（電話番号・メールアドレス・氏名など）とみられる値があるため、この行を除外しました（値は表示しません）
review-not-text = { $column } がファイルの文字コードの文字として読めません（判定が誤っていれば --encoding を指定してください）
review-field-count = この行の項目数は { $got } で、見出しの { $want } と合いません
review-malformed-json = JSON として読めません（{ $column } 文字目）
review-not-object = JSON のオブジェクトではありません
review-repeated-column = { $column } が二度あります
review-wrong-type = { $column } の JSON の値の種類が違います（文字列・数値・文字列のリストのいずれか）
review-unknown-encoding = --encoding の `{ $label }` は mamoru が扱える文字コードではありません（utf-8 か cp932 を指定してください）
review-out-holds-input = --out `{ $out }` にレビューが読む `{ $input }` があります。出力先のフォルダーは丸ごと置き換わるため、別のフォルダーを選んでください
review-theme-not-folder = --theme の `{ $path }` はフォルダーではありません
review-cannot-render = レビューの報告を作れません: { $detail }
review-history-skipped = 履歴: `{ $path }` を読み飛ばしました: { $why }
review-history-not-review = review.json ではありません
review-history-format = 形式 `{ $format }` は mamoru-review/1.x ではありません
review-history-policy = 方針 `{ $theirs }` のレビューで、`{ $ours }` のものではありません
review-history-undated = 日付のある行がありません
review-history-twice = 履歴: { $week } のレビューが二つあります。後のファイル `{ $path }` を使います
review-history-this-undated = 履歴: 今回のレビューには日付のある行がないため、推移には加えません
review-note = 注意: { $text }
review-more-rejected = …ほかに除外した行が { $more } 行あります（すべて { $path } にあります）
review-summary = 読み込み { $read } 行 = レビュー { $reviewed } 行 + 除外 { $rejected } 行
review-wrote = { $out } に { $files } 個のファイルを書きました
review-proposed = { $dir } に事例の下書きを { $written } 件書きました
review-proposed-skipped = { $dir } に事例の下書きを { $written } 件書きました（既にあった { $skipped } 件はそのままにしました）
review-unknown-timezone = `{ $name }` は mamoru が知っているタイムゾーンではありません
review-timezone-hint = `Asia/Tokyo` のような IANA のタイムゾーン名を書いてください
review-header-twice = 列名 `{ $header }` が `{ $column }` に二度書かれています
review-header-twice-hint = 列名は一度だけ書いてください
review-header-two-columns = 列名 `{ $header }` が `{ $first }` と `{ $column }` の両方に対応づけられています
review-header-two-columns-hint = 書き出しの一つの列が表せるのは一つの項目だけです。対応づけを一つにしてください
review-other-mapping = もう一方の対応づけ
review-label-unknown = 名称 `{ $label }` の対応先の{ $what } `{ $id }` は定義されていません
review-label-taken = 名称 `{ $label }` はすでに{ $what } `{ $other }` を表すため、`{ $id }` の意味にはできません
review-label-taken-hint = id と方針の名称はつねにそのまま読みます。この対応づけを削除するか、別の名称を対応づけてください
review-bad-timezone = ルールバンドルのタイムゾーン `{ $zone }` は不明です: { $detail }

## 言語サーバー（mamoru lsp）
what-page = ページ
lsp-defined-at = 定義: { $place }
lsp-references = 参照 { $count } 件
lsp-in-flow = フロー `{ $flow }` のステップ
lsp-steps = ステップ: { $list }
lsp-undefined = { $what } `{ $id }` はどこにも定義されていません
lsp-inherited = { $upstream } { $version } から継承
lsp-overridden = { $upstream } { $version } から変更
lsp-added = この版で追加
lsp-cond-verdict = 判定がいずれか
lsp-cond-conduct-at-least = 行為のレベル（類型による引き上げ後）がこれ以上
lsp-cond-demand-at-least = 要求のレベル（類型による引き上げ後）がこれ以上
lsp-cond-conduct-types = 行為の類型のいずれかに当たる
lsp-cond-demand-types = 要求の類型のいずれかに当たる
lsp-cond-tags = タグのいずれかが付いている
lsp-cond-channel = 窓口がいずれか
lsp-cond-event = 事象のいずれかが起きた
lsp-cond-minutes-at-least = 応対時間がこれ以上
lsp-cond-repeats-at-least = 同じ要求の繰り返しがこれ以上
lsp-cond-not = 内側の条件が成り立たない
lsp-checked = { $root } の確認: { $summary }（{ $ms } ms）
lsp-unreadable = { $root } を読めません: { $error }
lsp-failed = 言語サーバー: { $error }
lsp-client-gone = 言語サーバー: エディターとの接続が切れました

## 開発用サーバー（mamoru serve）
serve-overlay-title = ポリシーにエラーがあります（{ $count } 件）
serve-overlay-note = 直して保存すると、この表示は消えます。下には最後に正しく生成できたマニュアルを表示しています。
serve-overlay-note-first = 直して保存すると、マニュアルが表示されます。
serve-overlay-close = 閉じる
serve-overlay-hint = ヒント
serve-not-found-title = ページがありません
serve-not-found-body = { $path } はこのマニュアルにありません。作成されると自動で表示します。
serve-first-title = マニュアルをまだ生成できていません
serve-first-body = ポリシーのエラーを直すと、ここにマニュアルが表示されます。
serve-serving = { $dir } のマニュアルを { $url } で公開しています（Ctrl+C で終了）
serve-watching = 変更の監視: { $how }
serve-native = OS の通知（{ $fs }）
serve-polling = { $ms } ms ごとの確認（{ $why }）
serve-poll-flag = --poll の指定
serve-poll-reason = { $fs } では OS の通知が届かないことがあるため
serve-native-failed = OS の通知を使えません: { $error }
serve-rebuilt = 更新: { $count } ページ（{ $ms } ms）
serve-rebuilt-whole = サイト全体: さらに { $count } ページを更新（{ $ms } ms）
serve-unchanged = マニュアルに変更なし（{ $ms } ms）
serve-has-errors = エラー { $count } 件: 最後に生成できたマニュアルを表示しています（{ $ms } ms）
serve-cannot-read = ポリシーを読めません: { $error }
serve-cannot-render = マニュアルを生成できません: { $error }
serve-port-taken = ポート { $port } は使用中のため、空いているポートを使います
serve-cannot-listen = { $addr } で待ち受けできません: { $error }
compliance-unknown-item = マニュアルの項目 `{ $item }` はありません
compliance-unknown-item-hint = `stance`、`public-policy`、`criteria`、`compliance`、`種類/ID`（flows、aftercare、pages、scripts、invariants、roles、cases、definitions、caps、conduct_types、demand_types）または `flows/ID/ステップ` と書いてください
compliance-unimplemented = `{ $framework }` が求める措置 `{ $measure }`（{ $title }）に対応する項目がマニュアルにありません
compliance-unimplemented-hint = この措置を実現している基本姿勢・フロー・ステップ・事後対応・ページを `items` に挙げるか、新たに書いてください
what-framework = 法令・指針
what-measure = 措置
revised-before-created = 改定日 { $revised } が作成日 { $created } より前になっています
revised-before-created-hint = `revised` には最新の改定日を、`created` 以降の日付で書いてください
