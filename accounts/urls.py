from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views, views_security

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/code/", views_security.login_code, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        views.PasswordChangeView.as_view(success_url=reverse_lazy("accounts:password_change_done")),
        name="password_change",
    ),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("accounts:password_reset_complete")),
        name="password_reset_confirm",
    ),
    path("password/reset/complete/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path(
        "invitation/<uidb64>/<token>/",
        views.InvitationAcceptView.as_view(success_url=reverse_lazy("accounts:password_reset_complete")),
        name="invitation_accept",
    ),
    path("users/", views.account_list, name="account_list"),
    path("users/new/", views.account_create, name="account_create"),
    path("users/<int:pk>/", views.account_edit, name="account_edit"),
    path("users/<int:pk>/invite/", views.account_invite, name="account_invite"),
    path("users/<int:pk>/sessions/end/", views_security.account_sessions_end, name="account_sessions_end"),
    path("users/<int:pk>/two-factor/off/", views_security.account_two_factor_reset, name="account_two_factor_reset"),
    path("two-factor/", views_security.two_factor, name="two_factor"),
    path("two-factor/remove/", views_security.two_factor_remove, name="two_factor_remove"),
    path("security/", views_security.security_policy, name="security_policy"),
    path("sessions/", views_security.session_list, name="session_list"),
    path("sessions/<int:pk>/end/", views_security.session_end, name="session_end"),
    path("sessions/end-others/", views_security.session_end_others, name="session_end_others"),
]
