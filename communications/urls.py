from django.urls import path

from . import views

app_name = "communications"

urlpatterns = [
    path("messages/<int:pk>/", views.message_detail, name="message"),
]
