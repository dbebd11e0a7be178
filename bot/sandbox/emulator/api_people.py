"""auth.test, team.info, users.* and usergroups.* (https://api.slack.com/methods/auth.test,
users.info, users.list, users.lookupByEmail, users.getPresence, users.profile.get,
usergroups.list, usergroups.users.list)."""

from __future__ import annotations

from bot.sandbox.emulator.api_base import ApiBase, Params, Result, bool_arg, page
from bot.sandbox.emulator.state import BOT_ID, SlackError


class PeopleApi(ApiBase):
    def auth__test(self, p: Params) -> Result:
        return {"url": f"https://{self.ws.team_domain}.slack.com/", "team": self.ws.team_domain,
                "user": self.ws.users[self.bot].name, "team_id": self.ws.team_id,
                "user_id": self.bot, "bot_id": BOT_ID, "is_enterprise_install": False}

    def team__info(self, p: Params) -> Result:
        return {"team": {"id": self.ws.team_id, "name": self.ws.team_domain.title(),
                         "domain": self.ws.team_domain, "email_domain": "",
                         "icon": {"image_default": True}}}

    def users__info(self, p: Params) -> Result:
        return {"user": self.ws.user(p.get("user")).to_slack(
            self.ws.team_id, include_locale=bool_arg(p.get("include_locale")))}

    def users__list(self, p: Params) -> Result:
        locale = bool_arg(p.get("include_locale"))
        members, cursor = page([u.to_slack(self.ws.team_id, include_locale=locale)
                                for u in self.ws.users.values()], p, default=200)
        return {"members": members, "cache_ts": 0, "response_metadata": {"next_cursor": cursor}}

    def users__lookupByEmail(self, p: Params) -> Result:
        email = str(p.get("email") or "").strip().lower()
        for user in self.ws.users.values():
            if email and user.email.lower() == email and not user.deleted:
                return {"user": user.to_slack(self.ws.team_id)}
        raise SlackError("users_not_found")

    def users__getPresence(self, p: Params) -> Result:
        user = self.ws.user(p.get("user") or self.bot)
        return {"presence": user.presence, "online": user.presence == "active",
                "auto_away": False, "manual_away": user.presence == "away",
                "connection_count": 1 if user.presence == "active" else 0}

    def users__profile__get(self, p: Params) -> Result:
        return {"profile": self.ws.user(p.get("user") or self.bot).to_slack(
            self.ws.team_id)["profile"]}

    def usergroups__list(self, p: Params) -> Result:
        with_users = bool_arg(p.get("include_users"))
        groups = []
        for group in self.ws.usergroups.values():
            shown = {k: v for k, v in group.items() if k != "users"}
            shown["user_count"] = len(group["users"])
            if with_users:
                shown["users"] = list(group["users"])
            groups.append(shown)
        return {"usergroups": groups}

    def usergroups__users__list(self, p: Params) -> Result:
        group = self.ws.usergroups.get(str(p.get("usergroup") or ""))
        if group is None:
            raise SlackError("no_such_subteam")
        return {"users": list(group["users"])}
