"""The Japanese sandbox's company, はなまる商店 (Hanamaru, an online shop run from Tokyo and
Osaka): its people — Japanese names, `ja-JP` Slack locales, Japan's time zone — and a year
of past incidents written in Japanese. The same shape as Parcelly (bot/sandbox/seed.py): each
person stands where a Parcelly person does (same skills, same services, same place in the
policy), so the scripted demo plays the same story in Japanese.

`python -m bot.sandbox.seed` rewrites bot/sandbox/data/sample_history_ja.csv."""

from __future__ import annotations

from pathlib import Path

from bot.sandbox.seed import PEOPLE as PARCELLY_PEOPLE
from bot.sandbox.seed import TAGS, Company, Person

DATA = Path(__file__).parent / "data"

_NAMES = (("haruka", "佐藤 遥"), ("daiki", "鈴木 大輝"), ("yui", "高橋 結衣"),
          ("sota", "田中 蒼太"), ("aoi", "伊藤 葵"), ("kenji", "渡辺 健二"),
          ("mio", "山本 美緒"), ("ren", "中村 蓮"), ("sakura", "小林 さくら"),
          ("takumi", "加藤 拓海"), ("rin", "吉田 凛"), ("yuto", "山田 悠斗"))

PEOPLE = tuple(Person(handle, name, "Asia/Tokyo", p.skills, p.services)
               for (handle, name), p in zip(_NAMES, PARCELLY_PEOPLE, strict=True))
CAST = {p.handle: j.handle for p, j in zip(PARCELLY_PEOPLE, PEOPLE, strict=True)}

PROBLEMS = {
    "db": ["{x}のレプリケーション遅延", "{x}のコネクションプールが枯渇", "{x}のクエリが遅い",
           "{x}のディスク残量がわずか", "{x}の書き込みでデッドロック",
           "{x}のフェイルオーバーが完了しない"],
    "payments": ["{x}でカード決済が拒否される", "{x}で返金が止まっている",
                 "{x}で決済代行のタイムアウト", "{x}で二重請求が発生"],
    "checkout": ["{x}で購入手続きの応答が3秒超", "{x}でカートの合計金額が誤っている",
                 "{x}で購入ボタンが反応しない", "{x}でクーポンコードが拒否される"],
    "search": ["{x}で検索結果が空になる", "{x}のインデックス作成が滞留",
               "{x}で検索の遅延が急増", "{x}の検索結果の価格が古い"],
    "infra": ["{x}のノードプールがメモリ不足", "{x}の証明書の期限切れが近い",
              "{x}でオートスケーラーが停止", "{x}でDNSの名前解決に失敗"],
    "mobile": ["{x}でiOSアプリがクラッシュ", "{x}へのプッシュ通知が遅れる",
               "{x}のアプリでログインがループする"],
    "auth": ["{x}でSSOログインに失敗", "{x}にパスワード再設定メールが届かない",
             "{x}で不審なログインが急増", "{x}のトークンが早く失効する"],
    "orders": ["{x}で注文が止まっている", "{x}で倉庫との同期に失敗", "{x}への注文メールが遅れる"],
    "web": ["{x}のトップページで500エラー", "{x}で画像が表示されない",
            "{x}でCDNのキャッシュミスが多い"],
}
FIXES = {
    "db": ["バッチ取り込みを絞り、レプリカが追いついた",
           "プールの上限を上げ、トランザクション中のまま放置されたセッションを切った",
           "orders.created_at に欠けていたインデックスを追加した",
           "VACUUM を実行し、WAL アーカイブをコールドストレージへ移した",
           "行を id 順にロックするよう書き込み順を変えた",
           "スタンバイを手動で昇格し、フェンシングのスクリプトを直した"],
    "payments": ["期限切れの決済代行キーを更新した", "決済代行の障害後、止まった返金を再投入した",
                 "決済代行の予備リージョンに切り替えた", "重複分を返金し、請求処理を冪等にした"],
    "checkout": ["カートサービスのデプロイを切り戻した", "合計金額の通貨の丸めを修正した",
                 "壊れたハンドラを含むフロントエンドのバンドルを戻した",
                 "クーポンサービスの機能フラグを再び有効にした"],
    "search": ["空のインデックスを指していたエイリアスを作り直した",
               "インデクサーを増やして滞留を解消した", "重い集計を処理の経路から外した",
               "価格の同期をインデックスへ再実行した"],
    "infra": ["ノードプールのメモリ上限を上げ、リークしていた Pod を退避した",
              "証明書を更新し、更新用の cron を直した",
              "クォータを直してオートスケーラーを再起動した",
              "リゾルバーを社内 DNS に戻した"],
    "mobile": ["nil チェックを入れた修正版をリリースした", "APNs 証明書をアップロードし直した",
               "API 側で壊れたセッション Cookie を消した"],
    "auth": ["IdP の鍵ローテーション後にメタデータを更新した", "メール配信のレート制限を解除した",
             "リスト型攻撃の IP 範囲を遮断し、パスワードを再設定させた",
             "トークンの有効期限の設定の退行を直した"],
    "orders": ["止まったコンシューマーグループを再起動してトピックを再生した",
               "倉庫 API の認証情報を直した", "メール送信のワーカーを増やした"],
    "web": ["トップページのテンプレートを切り戻した", "CDN をパージし、画像のオリジンを直した",
            "cache-control ヘッダーを元に戻した"],
}
HARD = {"{x}のフェイルオーバーが完了しない", "{x}の書き込みでデッドロック", "{x}で二重請求が発生",
        "{x}で決済代行のタイムアウト", "{x}で購入手続きの応答が3秒超", "{x}でDNSの名前解決に失敗",
        "{x}で不審なログインが急増", "{x}のノードプールがメモリ不足", "{x}で倉庫との同期に失敗"}
PLACES = ["東京リージョン", "大阪リージョン", "プライマリ", "レプリカ", "プレミアム会員",
          "ゲスト購入", "モバイル API", "年末セール", "Android 版", "管理画面"]

HANAMARU = Company("はなまる商店", "hanamaru", PEOPLE, PROBLEMS, FIXES, HARD, PLACES, TAGS, "HNM",
                   DATA / "sample_history_ja.csv", DATA / "policy_ja.toml", locale="ja-JP",
                   language="ja", cast=CAST)
