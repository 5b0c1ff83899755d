from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.permissions import staff_required


@require_GET
@staff_required
def home(request):
    return render(request, "portal/counter/home.html")
