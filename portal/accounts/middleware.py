"""allauth raises RateLimited from deep inside some flows (a verification text sent during a
login or a sign-up) instead of answering; those answer with its "too many requests" page."""

from collections.abc import Callable

from allauth.core.exceptions import RateLimited
from allauth.core.ratelimit import respond_429
from django.http import HttpRequest, HttpResponse


class RateLimitedAs429Middleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, RateLimited):
            return respond_429(request)
        return None
